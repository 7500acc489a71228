using Microsoft.Extensions.Time.Testing;
using Vmorph.Server;

namespace Vmorph.Loop.Tests;

/// <summary>
/// A scheduled morph fires at its cron time with a fake clock, across restarts of the server: a time that passed while
/// it was down fires once at the next start, and one that fired before a restart does not fire again.
/// </summary>
public sealed class ScheduleAcrossRestartTests
{
    private static readonly string Trace = SharedTraces.Path("bitbrains-rnd", "2013-8");
    private static readonly DateTimeOffset Day = new(2013, 8, 1, 0, 0, 0, TimeSpan.Zero);
    private const string Fired = "policy.schedule.morning";

    [Fact]
    public async Task A_cron_time_missed_while_down_fires_once_at_the_next_start_and_never_twice()
    {
        var data = LoopServer.TempDirectory();
        var policies = Path.Combine(data, "morning.yaml");
        await File.WriteAllTextAsync(policies, """
            policies:
              - name: morning
                description: 2 vCPUs every morning at 09:00 UTC, parked for approval so that nothing else moves
                match:
                  names: ["bitbrains-*"]
                triggers:
                  scheduled:
                    schedules:
                      - name: morning
                        cron: "0 9 * * *"
                        cpu: 2
                require-approval: true
            """);
        var fake = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

        // 08:40: the first evaluation looks back a week and finds yesterday's 09:00 (the schedule in effect now).
        var first = await CountAfterStartAsync(data, policies, fake, Day.AddHours(8).AddMinutes(40), fresh: true, extraSteps: 2);
        Assert.Equal(1, first);

        // Down over 09:00; started at 09:05: today's 09:00 fires once.
        var second = await CountAfterStartAsync(data, policies, fake, Day.AddHours(9).AddMinutes(5), fresh: false, extraSteps: 2);
        Assert.Equal(1, second);

        // Started again at 09:20: 09:00 has fired; without the evaluation time kept in the store it would fire again.
        var third = await CountAfterStartAsync(data, policies, fake, Day.AddHours(9).AddMinutes(20), fresh: false, extraSteps: 2);
        Assert.Equal(0, third);
    }

    private static async Task StepAsync(LoopServer server, FakeTimeProvider fake, string vm)
    {
        var seen = (await server.Loop.GetAsync(vm, CancellationToken.None))!.LastObserved;
        fake.Advance(TimeSpan.FromSeconds(1));
        await LoopServer.WaitForAsync(async () => (await server.Loop.GetAsync(vm, CancellationToken.None)) is { } s && s.LastObserved > seen ? s : null,
            TimeSpan.FromSeconds(30), "the next cycle");
    }

    // Starts a server replaying from `start` on the fake clock, steps it until a VM has a sample (its triggers run with
    // each one) and then `extraSteps` more five-minute steps, and returns how often the schedule fired in this server's life.
    private static async Task<long> CountAfterStartAsync(string data, string policies, FakeTimeProvider fake, DateTimeOffset start, bool fresh, int extraSteps)
    {
        await using var server = await LoopServer.StartAsync(new ServeOptions
        {
            DataDirectory = data,
            ReplayTrace = Trace,
            ReplayVms = 1,
            ReplaySpeed = 300,
            ReplayStart = start,
            ReplayFresh = fresh,
            Policies = policies,
            Clock = fake,
        });
        // One five-minute step at a time: the clock moves on only once the collector has delivered the last cycle.
        var vm = await LoopServer.WaitForAsync(async () => (await server.Loop.ListAsync(CancellationToken.None)).FirstOrDefault(v => v.LastObserved is not null),
            TimeSpan.FromSeconds(60), "the first cycle");
        while ((await server.Loop.GetAsync(vm.Vm, CancellationToken.None))!.CoresUsed is null) await StepAsync(server, fake, vm.Vm);
        for (var i = 0; i < extraSteps; i++) await StepAsync(server, fake, vm.Vm);
        var decided = vm;
        var state = (await server.Loop.GetAsync(decided.Vm, CancellationToken.None))!;
        Assert.Equal("morning", state.Policy);
        return state.Counters.GetValueOrDefault(Fired);
    }
}
