using Microsoft.Extensions.Time.Testing;
using Vmorph.Collection;
using Vmorph.Storage.Sqlite;

namespace Vmorph.Replay.Tests;

/// <summary>
/// The real collector and the real SQLite store over the replay hypervisor, on a replay clock driven by a fake clock:
/// the samples it stores are the trace's usage at those steps, capped at the allocation.
/// </summary>
public sealed class ReplayCollectorTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("vmorph-replay-").FullName;
    private readonly FakeTimeProvider real = new();
    private readonly ReplayFleet fleet;
    private readonly ReplayClock clock;
    private readonly SqliteFleetStore store;

    public ReplayCollectorTests()
    {
        fleet = ReplayFleet.Load(SharedTraces.TwoBitbrainsVms, new ReplayFleetOptions(), CancellationToken.None).Value;
        clock = new ReplayClock(fleet.Start, ReplayClock.DefaultSpeed, real);
        store = SqliteFleetStore.Open(Path.Combine(directory, "vmorph.db"), clock);
    }

    public void Dispose()
    {
        store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    // Moves the replayed clock to `at` (the fake real clock by the matching share of a second).
    private void MoveTo(DateTimeOffset at) => real.Advance(clock.Underlying(at - clock.GetUtcNow()));

    private Collector Collector() =>
        new(new ReplayHypervisor(fleet, clock), store, clock, new CollectorOptions { Uri = fleet.Uri, Interval = TimeSpan.FromMinutes(5), SampleWindow = TimeSpan.Zero }, new byte[32]);

    [Fact]
    public async Task Cycles_WithinTraceSteps_StoreTheTracesUsageCappedAtTheAllocation()
    {
        var busy = fleet.Find("bitbrains-41")!;
        // The first step at which VM 41 wants more than its 8 vCPUs (Bitbrains reports up to 107 %).
        var capped = Enumerable.Range(0, busy.Series.Length).First(s => busy.Series.CoresAt(s)?.Value > busy.Configuration.Vcpus);
        await using var collector = Collector();
        var checkedSamples = 0;
        var sawCap = false;
        foreach (var step in new[] { 3, 4, capped, capped + 1 })
        {
            MoveTo(fleet.Start + fleet.Step * step + TimeSpan.FromSeconds(30));
            await collector.CollectOnceAsync(CancellationToken.None);
            MoveTo(fleet.Start + fleet.Step * step + TimeSpan.FromSeconds(270));
            var report = await collector.CollectOnceAsync(CancellationToken.None);

            foreach (var vmReport in report.Vms)
            {
                var vm = fleet.Find(vmReport.Id)!;
                var sample = vmReport.Sample!.Value;
                var vcpus = vm.Configuration.Vcpus!.Value;
                var demand = vm.Series.CoresAt(vm.StepAt(report.At))!.Value.Value;
                Assert.Equal(Math.Min(demand, vcpus), sample.Cpu!.Value.Value, 4);
                Assert.Equal(Math.Min(vm.Series.MemoryAt(vm.StepAt(report.At))!.Value.Bytes, vm.Configuration.Memory!.Value.Bytes), sample.Memory!.Value.Bytes, tolerance: 1024.0);
                Assert.Equal(vcpus, sample.CpuAllocated!.Value.Value);
                Assert.Equal(vm.Configuration.Memory, sample.MemoryAllocated);
                Assert.Equal($"{vm.Name}: {ReplayHypervisor.NoGuest}", vmReport.GuestMissing);
                sawCap |= demand > vcpus;
                checkedSamples++;
            }
        }

        Assert.Equal(8, checkedSamples);
        Assert.True(sawCap, "no sample was capped at the allocation");
        Assert.True(busy.DemandAt(fleet.Start + fleet.Step * capped).Cpu!.Value.Value > 8, "the uncapped demand is kept");
        var stored = await store.LoadRecentAsync(busy.Id, CancellationToken.None);
        Assert.Equal(8, stored!.Samples.Count); // every cycle stored one (the first and the one after a jump with memory only: no rate spans them)
        var profile = (await store.FindAsync("bitbrains-41", CancellationToken.None))!.Profile;
        Assert.Equal("libvirt:" + fleet.Uri, profile.Source);
        Assert.Equal(8, profile.ConfigurationHistory.Current!.Configuration.Vcpus);
    }

    [Fact]
    public async Task RunAsync_FiveMinuteCycles_RunThreeHundredTimesFasterThanTheClockUnderneath()
    {
        var reports = new List<CycleReport>();
        await using var collector = new Collector(new ReplayHypervisor(fleet, clock), store, clock,
            new CollectorOptions { Uri = fleet.Uri, Interval = TimeSpan.FromMinutes(5), SampleWindow = TimeSpan.FromSeconds(1) }, new byte[32]);
        using var stop = new CancellationTokenSource();
        var running = collector.RunAsync(r => { lock (reports) reports.Add(r); }, stop.Token);
        var underneath = TimeSpan.Zero;
        async Task AdvanceUntilCycleAsync(int cycle, TimeSpan replayed)
        {
            underneath += clock.Underlying(replayed);
            real.Advance(clock.Underlying(replayed));
            // Only the collector's own work runs now: wait (in real time, bounded) for the cycle the clock allows.
            for (var i = 0; i < 3_000 && reports.Count < cycle; i++) await Task.Delay(10);
            Assert.True(reports.Count >= cycle, $"cycle {cycle} did not run after {clock.Elapsed} replayed");
        }

        await AdvanceUntilCycleAsync(1, TimeSpan.FromSeconds(1)); // the first cycle's sample window
        await AdvanceUntilCycleAsync(2, TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        await AdvanceUntilCycleAsync(3, TimeSpan.FromMinutes(5));
        await AdvanceUntilCycleAsync(4, TimeSpan.FromMinutes(5));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);

        Assert.Equal(4, reports.Count);
        // Exact but for the rounding of each span underneath up to a whole tick (100 ns), which is 300 times more above.
        Assert.InRange(underneath, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3) + TimeSpan.FromTicks(4));
        Assert.Equal([1_000, 300_000, 600_000, 900_000], reports.Select(r => Math.Round((r.At - fleet.Start).TotalMilliseconds)));
        Assert.All(reports.Skip(1), r => Assert.All(r.Vms, v => Assert.NotNull(v.Sample!.Value.Cpu)));
    }

    [Fact]
    public async Task Connect_ToAnotherUri_IsRefusedNamingWhatIsServed()
    {
        var e = await Assert.ThrowsAsync<HypervisorUnavailableException>(() => new ReplayHypervisor(fleet, clock).ConnectAsync("qemu:///system", CancellationToken.None));
        Assert.Equal($"cannot connect to qemu:///system: this replay serves {fleet.Uri} only", e.Message);
    }

    [Fact]
    public async Task Domains_AreRunningWithTheirAllocationAndNoGuestAgent()
    {
        await using var session = await new ReplayHypervisor(fleet, clock).ConnectAsync(fleet.Uri, CancellationToken.None);
        var domains = await session.DescribeDomainsAsync(CancellationToken.None);

        Assert.Equal(["bitbrains-1", "bitbrains-41"], domains.Select(d => d.Name));
        Assert.All(domains, d => Assert.Equal(DomainState.Running, d.State));
        Assert.All(domains, d => Assert.Equal(GuestAgentState.None, d.GuestAgent));
        Assert.Equal(8, domains[1].Configuration.Vcpus);
        Assert.Equal(8, domains[1].Configuration.MaxVcpus);
        Assert.Empty(session.DrainEvents());
    }

    [Fact]
    public async Task ACyclesEvents_GoEachToItsOwnVm_InTheOrderTheyCame_ThoseThatChangeNoConfigurationLeftOut()
    {
        var sink = new CapturingSink();
        await using var collector = new Collector(new ReplayHypervisor(fleet, clock), sink, clock,
            new CollectorOptions { Uri = fleet.Uri, Interval = TimeSpan.FromMinutes(5), SampleWindow = TimeSpan.Zero });
        MoveTo(fleet.Start + fleet.Step * 3);
        await collector.CollectOnceAsync(CancellationToken.None);
        var (a, b) = (fleet.Vms[0], fleet.Vms[1]);
        var at = clock.GetUtcNow();
        fleet.Publish(new HypervisorEvent(a.Id, a.Name, at, "a: memory", MayChangeConfiguration: true));
        fleet.Publish(new HypervisorEvent(b.Id, b.Name, at, "b: vcpus", MayChangeConfiguration: true));
        fleet.Publish(new HypervisorEvent(a.Id, a.Name, at, "a: agent connected", MayChangeConfiguration: false));
        fleet.Publish(new HypervisorEvent(a.Id, a.Name, at, "a: vcpus", MayChangeConfiguration: true));

        MoveTo(fleet.Start + fleet.Step * 4);
        await collector.CollectOnceAsync(CancellationToken.None);

        var delivered = sink.Batches[^1].ToDictionary(o => o.Domain.Id, o => o.Events);
        Assert.Equal(["a: memory", "a: vcpus"], delivered[a.Id]);
        Assert.Equal(["b: vcpus"], delivered[b.Id]);
        Assert.All(sink.Batches[0], o => Assert.Empty(o.Events));
    }

    private sealed class CapturingSink : IObservationSink
    {
        public List<IReadOnlyList<VmObservations>> Batches { get; } = [];

        public Task<IReadOnlyList<VmCycleReport>> DeliverAsync(IReadOnlyList<VmObservations> batch, CancellationToken cancellationToken)
        {
            Batches.Add(batch);
            return Task.FromResult<IReadOnlyList<VmCycleReport>>([.. batch.Select(o => new VmCycleReport(o.Domain.Id, o.Domain.Name, o.Domain.State, null, null, o.Sample, o.NoRates, null, o.GuestMissing, [], TimeSpan.Zero))]);
        }
    }
}
