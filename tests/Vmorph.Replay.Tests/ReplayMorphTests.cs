using System.Collections.Immutable;
using Microsoft.Extensions.Time.Testing;
using Vmorph.Collection;
using Vmorph.Configuration;
using Vmorph.Guard;
using Vmorph.Morphing;
using Vmorph.Morphs;
using Vmorph.Planning;
using Vmorph.Storage.Sqlite;
using Vmorph.TargetProfiles;
using Vmorph.Traits;
using Vmorph.Units;

namespace Vmorph.Replay.Tests;

/// <summary>
/// Plans made by the real planner and applied by the real morph engine (SQLite journal and store) to replayed VMs,
/// on a replay clock driven by a fake clock: the allocation changes, the usage still comes from the trace.
/// </summary>
public sealed class ReplayMorphTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("vmorph-replay-").FullName;
    private readonly FakeTimeProvider real = new();
    private readonly ReplayFleet fleet;
    private readonly ReplayClock clock;
    private readonly SqliteFleetStore store;
    private readonly SqliteMorphJournal journal;
    private readonly ReplayMorphHost host;
    private readonly ReplayMorphDriver driver;
    private readonly MorphEngine engine;

    public ReplayMorphTests()
    {
        fleet = ReplayFleet.Load(SharedTraces.TwoBitbrainsVms, new ReplayFleetOptions(), CancellationToken.None).Value;
        clock = new ReplayClock(fleet.Start, ReplayClock.DefaultSpeed, real);
        store = SqliteFleetStore.Open(Path.Combine(directory, "vmorph.db"), clock);
        journal = SqliteMorphJournal.Open(Path.Combine(directory, "vmorph.db"), clock);
        host = new ReplayMorphHost(fleet, clock);
        driver = new ReplayMorphDriver(fleet, clock);
        engine = new MorphEngine(journal, store, driver, host, clock, new MorphEngineOptions { Host = ReplayHost.Capabilities });
    }

    public void Dispose()
    {
        journal.Dispose();
        store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    private static ApplyOptions Guarded => new()
    {
        ObservationWindow = TimeSpan.FromMinutes(2),
        BaselineWindow = TimeSpan.FromMinutes(1),
        SampleInterval = TimeSpan.FromSeconds(5),
        Policy = GuardPolicy.Default with { Window = TimeSpan.FromMinutes(2) },
    };

    private void MoveTo(DateTimeOffset at) => real.Advance(clock.Underlying(at - clock.GetUtcNow()));

    // Advances the fake clock under the replay clock in small steps until the task ends (everything waits on the clock).
    private async Task<T> RunAsync<T>(Task<T> task)
    {
        for (var i = 0; !task.IsCompleted; i++)
        {
            if (i > 20_000) throw new TimeoutException($"not done after {clock.Elapsed} of replayed time");
            real.Advance(TimeSpan.FromMilliseconds(2));
            await Task.Delay(1);
        }
        return await task;
    }

    private static TargetProfile Target(string resources)
    {
        var yaml = $"apiVersion: vmorph/v1\nkind: TargetProfile\nmetadata:\n  name: bigger\nspec:\n  resources:\n{resources}";
        return TargetProfileCatalog.Build([], [("bigger.yaml", yaml)]).Value.Find("bigger").Value;
    }

    private async Task<Vmorph.Profiles.PersonalityProfile> CollectAsync(int cycles)
    {
        await using var collector = new Collector(new ReplayHypervisor(fleet, clock), store, clock,
            new CollectorOptions { Uri = fleet.Uri, Interval = TimeSpan.FromMinutes(5), SampleWindow = TimeSpan.Zero }, new byte[32]);
        for (var i = 0; i < cycles; i++)
        {
            await collector.CollectOnceAsync(CancellationToken.None);
            MoveTo(clock.GetUtcNow() + TimeSpan.FromMinutes(5));
        }
        return (await store.FindAsync("bitbrains-41", CancellationToken.None))!.Profile;
    }

    [Fact]
    public async Task Apply_PlanGrowingVcpusAndMemory_CommitsAndTheReplayShowsTheNewAllocationWithTheTracesUsage()
    {
        var vm = fleet.Find("bitbrains-41")!;
        var capped = Enumerable.Range(0, vm.Series.Length).First(s => vm.Series.CoresAt(s)?.Value > 8.2);
        MoveTo(fleet.Start + fleet.Step * (capped - 6));
        var profile = await CollectAsync(3);
        var found = await host.FindAsync("bitbrains-41", CancellationToken.None);
        var planned = await engine.Planner.PlanAsync(found.Value, Target("    vcpus: \"12\"\n    memory: 32GiB\n"), profile, TraitScorer.Score(profile, ArchetypeCatalog.BuiltIn), CancellationToken.None);
        Assert.True(planned.IsSuccess, string.Join("; ", planned.Errors));
        var plan = planned.Value.Plan;
        Assert.All(plan.Steps, s => Assert.Equal(StepMode.Live, s.Mode));
        Assert.Equal([StepKind.SetVcpus, StepKind.SetMaxVcpus, StepKind.SetMemory, StepKind.SetMaxMemory], plan.Steps.Select(s => s.Kind).Order());

        var outcome = await RunAsync(engine.ApplyAsync(plan, MorphKind.Apply, Guarded, CancellationToken.None));

        Assert.Equal(MorphResult.Committed, outcome.Result);
        Assert.Equal(12, vm.Configuration.Vcpus);
        Assert.Equal(MemorySize.FromGiB(32), vm.Configuration.Memory);
        var history = (await store.FindAsync("bitbrains-41", CancellationToken.None))!.Profile.ConfigurationHistory;
        Assert.Equal($"morph {outcome.Record!.MorphId} to bigger", history.Current!.Cause);
        Assert.Equal(plan.ExpectedHash, history.Current.ContentHash);

        // The collector now sees 12 vCPUs and, at the step where the VM wants more than 8 cores, all of what it wants.
        await using var session = await new ReplayHypervisor(fleet, clock).ConnectAsync(fleet.Uri, CancellationToken.None);
        Assert.Equal(12, (await session.DescribeDomainsAsync(CancellationToken.None)).Single(d => d.Name == "bitbrains-41").Configuration.Vcpus);
        MoveTo(fleet.Start + fleet.Step * capped + TimeSpan.FromSeconds(30));
        var before = (await session.ReadCountersAsync(CancellationToken.None)).Single(c => c.Vm == vm.Id);
        MoveTo(fleet.Start + fleet.Step * capped + TimeSpan.FromSeconds(270));
        var after = (await session.ReadCountersAsync(CancellationToken.None)).Single(c => c.Vm == vm.Id);
        var sample = RateCalculator.Compute(before, after, TimeSpan.FromMinutes(15)).Sample!.Value;
        Assert.Equal(12, sample.CpuAllocated!.Value.Value);
        Assert.Equal(MemorySize.FromGiB(32), sample.MemoryAllocated);
        Assert.Equal(vm.Series.CoresAt(capped)!.Value.Value, sample.Cpu!.Value.Value, 4);
        Assert.True(sample.Cpu.Value.Value > 8.2);
        Assert.Equal(vm.Series.MemoryAt(capped)!.Value.Bytes, sample.Memory!.Value.Bytes, tolerance: 1024.0);
    }

    [Fact]
    public async Task Apply_ReadsNoneOfItsOwnEntriesBack_ItsOutcomeTimingsAreThoseOfTheJournal()
    {
        var counting = new ReadCountingJournal(journal);
        var counted = new MorphEngine(counting, store, driver, host, clock, new MorphEngineOptions { Host = ReplayHost.Capabilities });
        MoveTo(fleet.Start + fleet.Step * 10);
        var profile = await CollectAsync(3);
        var found = await host.FindAsync("bitbrains-41", CancellationToken.None);
        var plan = (await counted.Planner.PlanAsync(found.Value, Target("    vcpus: \"12\"\n"), profile, TraitScorer.Score(profile, ArchetypeCatalog.BuiltIn), CancellationToken.None)).Value.Plan;

        var outcome = await RunAsync(counted.ApplyAsync(plan, MorphKind.Apply, Guarded, CancellationToken.None));

        Assert.Equal(MorphResult.Committed, outcome.Result);
        Assert.Equal(0, counting.Reads);
        var entries = await journal.ReadAsync(outcome.Record!.MorphId, CancellationToken.None);
        Assert.Equal(MorphTimings.From(entries), outcome.Timings);
        Assert.Equal(entries[^1].Sequence, outcome.Last!.Sequence);
        Assert.True(outcome.Timings!.Observation >= TimeSpan.FromMinutes(2), $"observation {outcome.Timings.Observation}");
    }

    // The journal, counting how often a morph's entries are read back.
    private sealed class ReadCountingJournal(IMorphJournal inner) : IMorphJournal
    {
        public int Reads { get; private set; }

        public string Location => inner.Location;

        public Task<IReadOnlyList<MorphJournalEntry>> ReadAsync(string morphId, CancellationToken cancellationToken)
        {
            Reads++;
            return inner.ReadAsync(morphId, cancellationToken);
        }

        public Task CreateAsync(MorphRecord morph, MorphJournalEntry first, CancellationToken cancellationToken) => inner.CreateAsync(morph, first, cancellationToken);
        public Task AppendAsync(MorphJournalEntry entry, CancellationToken cancellationToken) => inner.AppendAsync(entry, cancellationToken);
        public Task<MorphRecord?> FindAsync(string morphId, CancellationToken cancellationToken) => inner.FindAsync(morphId, cancellationToken);
        public Task<IReadOnlyList<MorphRecord>> ListAsync(Vmorph.Identity.VmId vm, CancellationToken cancellationToken) => inner.ListAsync(vm, cancellationToken);
        public Task<IReadOnlyList<MorphRecord>> UnfinishedAsync(CancellationToken cancellationToken) => inner.UnfinishedAsync(cancellationToken);
        public Task SetBaselineAsync(string morphId, MorphBaseline baseline, CancellationToken cancellationToken) => inner.SetBaselineAsync(morphId, baseline, cancellationToken);
        public Task SetVerdictAsync(string morphId, GuardVerdict verdict, CancellationToken cancellationToken) => inner.SetVerdictAsync(morphId, verdict, cancellationToken);
        public Task SetDiscardedAsync(string morphId, string discarded, CancellationToken cancellationToken) => inner.SetDiscardedAsync(morphId, discarded, cancellationToken);
        public Task SetCommittedVersionAsync(string morphId, int version, CancellationToken cancellationToken) => inner.SetCommittedVersionAsync(morphId, version, cancellationToken);
        public Task<MorphLease?> LeaseAsync(Vmorph.Identity.VmId vm, CancellationToken cancellationToken) => inner.LeaseAsync(vm, cancellationToken);
        public Task<bool> TryWriteLeaseAsync(MorphLease lease, long? expectedVersion, CancellationToken cancellationToken) => inner.TryWriteLeaseAsync(lease, expectedVersion, cancellationToken);
        public Task<bool> TryDeleteLeaseAsync(Vmorph.Identity.VmId vm, string morphId, long expectedVersion, CancellationToken cancellationToken) => inner.TryDeleteLeaseAsync(vm, morphId, expectedVersion, cancellationToken);
        public void Dispose() { }
    }

    [Fact]
    public async Task Plan_BuiltInWebServerTarget_LeavesTheGuestOutSayingWhyAndCommitsItsResources()
    {
        var profile = await CollectAsync(3);
        var found = await host.FindAsync("bitbrains-41", CancellationToken.None);
        var target = TargetProfileCatalog.BuiltIn.Find("web-server").Value;

        var planned = await engine.Planner.PlanAsync(found.Value, target, profile, null, CancellationToken.None);

        Assert.True(planned.IsSuccess, string.Join("; ", planned.Errors));
        Assert.All(planned.Value.Plan.Steps, s => Assert.Equal(StepChannel.Hypervisor, s.Channel));
        Assert.Contains(planned.Value.Notes, n => n.StartsWith("packages", StringComparison.Ordinal));
        Assert.Contains(planned.Value.Plan.Steps, s => s.Kind == StepKind.SetDiskIoLimits);
        var outcome = await RunAsync(engine.ApplyAsync(planned.Value.Plan, MorphKind.Apply, Guarded with { ObservationWindow = TimeSpan.Zero }, CancellationToken.None));
        Assert.Equal(MorphResult.Committed, outcome.Result);
        Assert.Equal(planned.Value.Plan.ExpectedHash, fleet.Find("bitbrains-41")!.Configuration.ContentHash());
    }

    [Fact]
    public async Task Driver_LiveStep_ChangesTheAllocationAtOnceAndSendsAConfigurationEvent()
    {
        var vm = fleet.Find("bitbrains-1")!;
        await using var session = await new ReplayHypervisor(fleet, clock).ConnectAsync(fleet.Uri, CancellationToken.None);
        var step = new StepOperation(StepKind.SetMaxVcpus, [new ConfigurationChange("vcpus.maximum", "2", "4")], StepMode.Live, StepChannel.Hypervisor);

        Assert.True((await driver.ApplyAsync(vm.Id, step, CancellationToken.None)).IsSuccess);

        Assert.Equal(4, (await session.DescribeDomainsAsync(CancellationToken.None))[0].Configuration.MaxVcpus);
        var e = Assert.Single(session.DrainEvents());
        Assert.Equal((vm.Id, "tuning changed: vcpus.maximum=4", true), (e.Vm, e.Description, e.MayChangeConfiguration));
    }

    [Fact]
    public async Task Driver_GuestStep_IsRefusedSayingThereIsNoGuest()
    {
        var vm = fleet.Vms[0];
        var step = new StepOperation(StepKind.InstallPackage, [new ConfigurationChange("guest.package.nginx", null, "installed")], StepMode.Live, StepChannel.Guest);

        var refused = await driver.ApplyAsync(vm.Id, step, CancellationToken.None);
        var ping = await host.PingGuestAsync(vm.Id, TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Equal($"bitbrains-1: InstallPackage refused: {ReplayMorphHost.NoGuest}", Assert.Single(refused.Errors));
        Assert.Equal($"bitbrains-1: {ReplayMorphHost.NoGuest}", Assert.Single(ping.Errors));
        Assert.True(vm.Configuration.Guest.IsEmpty);
    }

    [Fact]
    public async Task Driver_VcpusAboveTheMaximum_AreRefusedAndNothingChanges()
    {
        var vm = fleet.Find("bitbrains-1")!;
        var step = new StepOperation(StepKind.SetVcpus, [new ConfigurationChange("vcpus.current", "2", "3")], StepMode.Live, StepChannel.Hypervisor);

        var refused = await driver.ApplyAsync(vm.Id, step, CancellationToken.None);

        Assert.Equal("bitbrains-1: SetVcpus refused: 3 vCPUs exceed the maximum of 2", Assert.Single(refused.Errors));
        Assert.Equal(2, vm.Configuration.Vcpus);
    }

    [Fact]
    public async Task Snapshot_Reverted_GivesTheAllocationBack()
    {
        var vm = fleet.Find("bitbrains-1")!;
        var before = vm.Configuration;
        Assert.True((await driver.TakeSnapshotAsync(vm.Id, "vmorph-1", CancellationToken.None)).IsSuccess);
        Assert.True((await driver.ApplyAsync(vm.Id, new StepOperation(StepKind.SetMaxVcpus, [new ConfigurationChange("vcpus.maximum", "2", "6")], StepMode.Live, StepChannel.Hypervisor), CancellationToken.None)).IsSuccess);
        Assert.Equal(6, vm.Configuration.MaxVcpus);

        Assert.True((await driver.RevertSnapshotAsync(vm.Id, "vmorph-1", CancellationToken.None)).IsSuccess);

        Assert.Same(before, vm.Configuration);
        Assert.True((await driver.DeleteSnapshotAsync(vm.Id, "vmorph-1", CancellationToken.None)).IsSuccess);
        Assert.False((await driver.RevertSnapshotAsync(vm.Id, "vmorph-1", CancellationToken.None)).IsSuccess);
    }

    [Fact]
    public async Task Restart_BringsRestartStepsIntoForceAndBeginsTheCountersAgain()
    {
        var vm = fleet.Find("bitbrains-1")!;
        await using var session = await new ReplayHypervisor(fleet, clock).ConnectAsync(fleet.Uri, CancellationToken.None);
        MoveTo(fleet.Start + TimeSpan.FromHours(1));
        await session.ReadCountersAsync(CancellationToken.None);
        MoveTo(fleet.Start + TimeSpan.FromHours(2));
        var running = (await session.ReadCountersAsync(CancellationToken.None))[0];
        var memory = new StepOperation(StepKind.SetMemory, [new ConfigurationChange("memory.current", null, (4L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture))], StepMode.Restart, StepChannel.Hypervisor);

        Assert.True((await driver.ApplyAsync(vm.Id, memory, CancellationToken.None)).IsSuccess);
        Assert.Equal(MemorySize.FromKiB(8218624), vm.Configuration.Memory);
        Assert.Equal(MemorySize.FromGiB(4), vm.Definition.Memory);
        Assert.True((await driver.RestartAsync(vm.Id, CancellationToken.None)).IsSuccess);

        var restarted = (await session.ReadCountersAsync(CancellationToken.None))[0];
        Assert.Equal(MemorySize.FromGiB(4), vm.Configuration.Memory);
        Assert.Equal(running.RuntimeId + 1, restarted.RuntimeId);
        Assert.True(running.CpuTimeNanoseconds > 0);
        Assert.Equal(0, restarted.CpuTimeNanoseconds);
        Assert.Equal(4L << 20, restarted.BalloonCurrentKiB);
        var events = session.DrainEvents();
        Assert.Equal(["lifecycle: stopped", "lifecycle: started"], events.Select(e => e.Description));
        Assert.All(events, e => Assert.True(e.MayChangeConfiguration));
    }
}
