using Microsoft.Extensions.DependencyInjection;
using Vmorph.Collection;
using Vmorph.Identity;
using Vmorph.Loop.Grains;
using Vmorph.Observations;
using Vmorph.Server;

namespace Vmorph.Loop.Tests;

/// <summary>
/// Workload detection acting on its own in the loop of <c>vmorph serve</c>: a replayed VM (real Bitbrains usage)
/// whose guest turns into a database (postgres running, port 5432, a PostgreSQL data directory) is morphed to the
/// <c>database-server</c> target profile by the real planner and morph engine, with no person, and the decision, the
/// plan and the journal say which trigger, what it detected and how sure it was.
/// </summary>
public sealed class WorkloadDetectionLoopTests
{
    private static readonly string Trace = SharedTraces.Path("bitbrains-rnd", "2013-8");

    [Fact]
    public async Task A_vm_that_turns_into_a_database_is_morphed_to_database_server_with_no_person()
    {
        var data = LoopServer.TempDirectory();
        var policies = Path.Combine(data, "detect.yaml");
        await File.WriteAllTextAsync(policies, """
            policies:
              - name: detect
                description: morph to the profile of the workload the guest runs
                match:
                  names: ["*"]
                triggers:
                  workload-detection:
                    windows: 2
                    window: 10m
                    min-confidence: 0.5
                cooldown: 0s
            """);
        // The replay reports CPU and memory, not disk: without disk.volume and disk.write-share a database is judged on
        // 65 % of its weight, so the archetypes accept that coverage here.
        var archetypes = Path.Combine(data, "replay-coverage.yaml");
        await File.WriteAllTextAsync(archetypes, """
            classification:
              minimum-coverage: 0.6
            recency:
              half-life: 1h
            """);
        await using var server = await LoopServer.StartAsync(new ServeOptions { DataDirectory = data, ReplayTrace = Trace, ReplayVms = 1, Policies = policies, Archetypes = archetypes });
        var ct = CancellationToken.None;
        var vm = await LoopServer.WaitForAsync(async () => (await server.Loop.ListAsync(ct)).FirstOrDefault(v => v.CoresUsed is not null && v.Policy == "detect"),
            TimeSpan.FromSeconds(60), "the replayed VM governed by the detection policy");
        // The first window sets what the VM is known as (unknown: no guest view yet); let a few more samples pass.
        var seen = vm.LastObserved;
        await LoopServer.WaitForAsync(async () => (await server.Loop.GetAsync(vm.Vm, ct))!.LastObserved > seen!.Value.AddMinutes(30) ? vm : null,
            TimeSpan.FromSeconds(60), "half an hour of replayed samples");
        Assert.Null((await server.Loop.GetAsync(vm.Vm, ct))!.LastDecision);

        var grain = server.Provider.GetRequiredService<IGrainFactory>().GetGrain<IVmGrain>(vm.Vm);
        PlanView plan;
        try
        {
            plan = await LoopServer.WaitForAsync(async () =>
            {
                var plans = await server.Loop.PlansAsync(vm.Vm, ct);
                if (plans.FirstOrDefault(p => p.Origin == "trigger:workload-detection" && p.State == PlanStates.Applied) is { } applied) return applied;
                // The guest runs a database until the loop has planned for it.
                if (plans.Count == 0) await grain.ObserveAsync(await DatabaseGuestAsync(server, vm.Vm));
                return null;
            }, TimeSpan.FromSeconds(120), "a morph to database-server applied by the loop");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + ": " + await DiagnosisAsync(server, vm.Vm), e);
        }

        Assert.Equal("database-server", plan.Target);
        Assert.Contains("detected database-server with confidence", plan.Reason, StringComparison.Ordinal);
        Assert.Equal("loop", plan.DecidedBy);
        var state = (await server.Loop.GetAsync(vm.Vm, ct))!;
        var decision = state.LastDecision!;
        Assert.Equal("workload-detection", decision.Trigger);
        Assert.Equal("apply", decision.Verdict);
        Assert.Equal("database-server", decision.Archetype);
        Assert.InRange(decision.Confidence!.Value, 0.5, 1);
        Assert.Equal("database-server", decision.TargetProfile);
        Assert.Equal(1, state.Counters["policy.intent.workload-detection"]);

        // The journal: committed, and its record says why.
        var record = await LoopServer.WaitForAsync(async () => await server.Journal.FindAsync(plan.MorphId!, ct) is { CommittedVersion: not null } r ? r : null,
            TimeSpan.FromSeconds(60), "the morph committed in the journal");
        Assert.StartsWith("trigger:workload-detection: detected database-server with confidence", record.Notes, StringComparison.Ordinal);
    }

    private static async Task<string> DiagnosisAsync(LoopServer server, string vm)
    {
        var state = (await server.Loop.GetAsync(vm, CancellationToken.None))!;
        var plans = await server.Loop.PlansAsync(vm, CancellationToken.None);
        var id = new VmId(vm);
        var profile = (await server.Services.Store.LoadAsync([id], CancellationToken.None))[id].Profile;
        var traits = Vmorph.Traits.TraitScorer.Score(profile, server.Services.Catalogs.Archetypes);
        var detected = Vmorph.Traits.WorkloadClassifier.Classify(traits, server.Services.Catalogs.Archetypes.Classification);
        return $"decision {state.LastDecision}; counters {string.Join(", ", state.Counters.Select(c => $"{c.Key}={c.Value}"))}; "
            + $"plans {string.Join(" | ", plans.Select(p => $"{p.Origin} {p.Target} {p.State}: {p.Reason}"))}; "
            + $"detected {detected.Describe()}: {detected.Reason}; {traits["database-server"]?.Explain(7)}";
    }

    // What the guest agent would report of a PostgreSQL server: its processes, its listening port, its data directory.
    private static async Task<ObservationMessage> DatabaseGuestAsync(LoopServer server, string vm)
    {
        var id = new VmId(vm);
        var profile = (await server.Services.Store.LoadAsync([id], CancellationToken.None))[id].Profile;
        var at = server.Services.Clock.GetUtcNow();
        var snapshot = new InventorySnapshot
        {
            At = at,
            Processes = [new ProcessInfo(700, "postgres", 120, 400_000_000, at.AddHours(-1), false), new ProcessInfo(701, "postgres", 30, 80_000_000, at.AddHours(-1), false)],
            Sockets = [new SocketInfo("tcp", true, 5432, null, null, "postgres"), new SocketInfo("tcp", false, 5432, "10.0.0.7", 51000, "postgres")],
            Footprint = new FootprintScan
            {
                Paths = ["/var/lib"],
                Categories = new Dictionary<string, CategoryCount> { ["database"] = new(1200, 3L << 30), ["config"] = new(40, 200_000) },
            },
        };
        var domain = new DomainDescription(id, profile.Name, DomainState.Running, null, profile.ConfigurationHistory.Current!.Configuration, BaseImageId.Unknown, GuestAgentState.Connected);
        return ObservationMessage.From(new VmObservations(domain, at, [], null, null, 0, snapshot, null, [], TimeSpan.Zero), profile.Source, "replay");
    }
}
