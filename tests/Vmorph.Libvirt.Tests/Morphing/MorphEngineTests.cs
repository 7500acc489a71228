using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Vmorph.Configuration;
using Vmorph.Guard;
using Vmorph.Identity;
using Vmorph.Morphing;
using Vmorph.Morphs;
using Vmorph.Planning;
using Vmorph.Storage.Sqlite;
using Vmorph.TargetProfiles;
using Vmorph.Testing;
using Vmorph.Units;

namespace Vmorph.Libvirt.Tests.Morphing;

/// <summary>
/// The morph engine over a simulated VM and a fake clock: the timing logic (baseline and observation windows, lease
/// expiry) runs in simulated minutes without sleeping, against the real SQLite journal and store.
/// </summary>
public sealed class MorphEngineTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("vmorph-engine-").FullName;
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
    private readonly SimulatedVm vm;
    private readonly SqliteFleetStore store;
    private readonly SqliteMorphJournal journal;
    private readonly List<MorphProgress> progress = [];

    public MorphEngineTests()
    {
        vm = new SimulatedVm(clock);
        store = SqliteFleetStore.Open(Path.Combine(directory, "vmorph.db"), clock);
        journal = SqliteMorphJournal.Open(Path.Combine(directory, "vmorph.db"), clock);
    }

    public void Dispose()
    {
        journal.Dispose();
        store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    private MorphEngine Engine(string? owner = null, Func<MorphJournalEntry, ValueTask>? hook = null, Func<string, IHealthProbe?>? probeFromAddress = null, Func<DateTimeOffset, string>? ids = null) =>
        new(journal, store, vm, vm, clock, new MorphEngineOptions { Host = LabHost.Capabilities, Progress = p => { lock (progress) progress.Add(p); }, AfterJournaled = hook, ProbeFromAddress = probeFromAddress, NewMorphId = ids }, owner);

    private Plan PlanTo(string resources)
    {
        var yaml = $"apiVersion: vmorph/v1\nkind: TargetProfile\nmetadata:\n  name: test\nspec:\n  resources:\n{resources}";
        var target = TargetProfileCatalog.Build([], [("test.yaml", yaml)]).Value.Find("test").Value;
        return MorphingAlgorithm.Plan(new PlanRequest { Vm = SimulatedVm.Id, VmName = "sim-1", Current = vm.Configuration, Target = target, Host = LabHost.Capabilities, Guest = GuestAccess.None, CreatedAt = clock.GetUtcNow() }).Value;
    }

    private static ApplyOptions Guarded => new()
    {
        ObservationWindow = TimeSpan.FromMinutes(1),
        BaselineWindow = TimeSpan.FromSeconds(30),
        SampleInterval = TimeSpan.FromSeconds(1),
        Policy = GuardPolicy.Default with { Window = TimeSpan.FromMinutes(1) },
    };

    // Advances the fake clock in small steps until the task ends (it never ends on its own: everything waits on the clock).
    private async Task<T> RunAsync<T>(Task<T> task, TimeSpan? limit = null)
    {
        var simulated = TimeSpan.Zero;
        while (!task.IsCompleted)
        {
            if (simulated > (limit ?? TimeSpan.FromMinutes(30))) throw new TimeoutException($"not done after {simulated} of simulated time");
            clock.Advance(TimeSpan.FromMilliseconds(250));
            simulated += TimeSpan.FromMilliseconds(250);
            await Task.Delay(1);
        }
        return await task;
    }

    [Fact]
    public async Task Apply_WithAMinuteOfObservation_CommitsAfterTheWindowOnTheFakeClockWithoutSleeping()
    {
        var plan = PlanTo("    memory: 384MiB\n");
        var watch = Stopwatch.StartNew();
        var outcome = await RunAsync(Engine().ApplyAsync(plan, MorphKind.Apply, Guarded, CancellationToken.None));

        Assert.Equal(MorphResult.Committed, outcome.Result);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed} of real time");
        Assert.InRange(outcome.Timings!.Observation!.Value, TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(62));
        var record = (await journal.FindAsync(outcome.Record!.MorphId, CancellationToken.None))!;
        Assert.Equal(GuardDecision.Keep, record.Verdict!.Decision);
        Assert.False(record.Verdict.Inconclusive);
        Assert.InRange(record.Baseline!.Samples.Count, 28, 31);
        Assert.Equal(384L << 20, (long)vm.Configuration.Memory!.Value.Bytes);
        var history = (await store.LoadAsync([SimulatedVm.Id], CancellationToken.None))[SimulatedVm.Id].Profile.ConfigurationHistory;
        Assert.Equal($"morph {record.MorphId} to test", history.Current!.Cause);
        Assert.Equal(plan.ExpectedHash, history.Current.ContentHash);
        Assert.Null(await journal.LeaseAsync(SimulatedVm.Id, CancellationToken.None));
    }

    [Fact]
    public async Task Apply_DiskThroughputCollapsesAfterTheStep_GuardRollsBackLiveAndStoresTheVerdict()
    {
        var plan = PlanTo("    disk:\n      read-bytes-per-second: 64KiB/s\n");
        var outcome = await RunAsync(Engine().ApplyAsync(plan, MorphKind.Apply, Guarded, CancellationToken.None));

        Assert.Equal(MorphResult.RolledBack, outcome.Result);
        var record = (await journal.FindAsync(outcome.Record!.MorphId, CancellationToken.None))!;
        Assert.Equal(GuardDecision.RollBack, record.Verdict!.Decision);
        Assert.Contains(record.Verdict.Signals, s => s.Signal == GuardSignal.DiskThroughput && s.Outcome == SignalOutcome.Degraded);
        Assert.Equal(plan.BaseHash, vm.Configuration.ContentHash());
        Assert.NotNull(outcome.Timings!.Rollback);
        // Confirmed over a second window of a minute before the roll back.
        var seen = (await journal.ReadAsync(outcome.Record.MorphId, CancellationToken.None)).Select(e => e.Event).OfType<DegradationSeen>().Single();
        Assert.Equal(seen.At + TimeSpan.FromMinutes(1), seen.Until);
        Assert.Contains("; confirmed: the first window found it too (disk.throughput degraded: ", record.Verdict.Reason, StringComparison.Ordinal);
        Assert.InRange(outcome.Timings.Observation!.Value, TimeSpan.FromSeconds(119), TimeSpan.FromSeconds(125));
        Assert.Contains(progress, p => p.Message.Contains("confirming it over another 60 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Apply_WhenTheNewMorphsIdIsTakenAlready_DrawsAnotherAndCommits()
    {
        var first = await RunAsync(Engine(ids: _ => "20260101-000000-aaaaaa").ApplyAsync(PlanTo("    memory: 384MiB\n"), MorphKind.Apply, Guarded with { ObservationWindow = TimeSpan.Zero }, CancellationToken.None));
        Assert.Equal(MorphResult.Committed, first.Result);
        var drawn = new Queue<string>(["20260101-000000-aaaaaa", "20260101-000000-bbbbbb"]);

        var second = await RunAsync(Engine(ids: _ => drawn.Dequeue()).ApplyAsync(PlanTo("    memory: 320MiB\n"), MorphKind.Apply, Guarded with { ObservationWindow = TimeSpan.Zero }, CancellationToken.None));

        Assert.Equal(MorphResult.Committed, second.Result);
        Assert.Equal("20260101-000000-bbbbbb", second.Record!.MorphId);
        Assert.Empty(drawn);
        Assert.Equal(first.Record!.PlanId, (await journal.FindAsync("20260101-000000-aaaaaa", CancellationToken.None))!.PlanId); // the first morph's record is untouched
        Assert.Null(await journal.LeaseAsync(SimulatedVm.Id, CancellationToken.None));
        Assert.Equal(320L << 20, (long)vm.Configuration.Memory!.Value.Bytes);
    }

    [Fact]
    public async Task Apply_WithoutConfirmation_RollsBackAfterTheFirstWindow()
    {
        var plan = PlanTo("    disk:\n      read-bytes-per-second: 64KiB/s\n");
        var outcome = await RunAsync(Engine().ApplyAsync(plan, MorphKind.Apply, Guarded with { Policy = Guarded.Policy with { ConfirmDegradation = false } }, CancellationToken.None));

        Assert.Equal(MorphResult.RolledBack, outcome.Result);
        Assert.Empty((await journal.ReadAsync(outcome.Record!.MorphId, CancellationToken.None)).Select(e => e.Event).OfType<DegradationSeen>());
        Assert.InRange(outcome.Timings!.Observation!.Value, TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(62));
        Assert.Equal(plan.BaseHash, vm.Configuration.ContentHash());
    }

    [Fact]
    public async Task Apply_ADegradationThatPassesWithTheWorkloadsPhase_IsNotConfirmedAndTheMorphCommits()
    {
        var plan = PlanTo("    memory: 384MiB\n");
        // The workload enters a busy phase as the observation starts and leaves it when the guard has seen it.
        var outcome = await RunAsync(Engine(hook: e =>
        {
            vm.InABusyPhase = e.State.Phase == MorphPhase.Observing && e.State.Unconfirmed is null;
            return ValueTask.CompletedTask;
        }).ApplyAsync(plan, MorphKind.Apply, Guarded, CancellationToken.None));

        Assert.Equal(MorphResult.Committed, outcome.Result);
        var entries = await journal.ReadAsync(outcome.Record!.MorphId, CancellationToken.None);
        var seen = entries.Select(e => e.Event).OfType<DegradationSeen>().Single();
        Assert.Contains(seen.Verdict.Signals, s => s.Signal == GuardSignal.DiskThroughput && s.Outcome == SignalOutcome.Degraded);
        var record = (await journal.FindAsync(outcome.Record.MorphId, CancellationToken.None))!;
        Assert.Equal(GuardDecision.Keep, record.Verdict!.Decision);
        Assert.Contains("; the first window's degradation did not persist (disk.throughput degraded: ", record.Verdict.Reason, StringComparison.Ordinal);
        Assert.Equal(384L << 20, (long)vm.Configuration.Memory!.Value.Bytes);
        Assert.Equal(plan.ExpectedHash, vm.Configuration.ContentHash());
    }

    [Fact]
    public async Task Apply_WhileAnotherEngineRunsAMorphOfTheVm_IsRefusedWithTheHoldersId()
    {
        var first = Engine().ApplyAsync(PlanTo("    memory: 384MiB\n"), MorphKind.Apply, Guarded, CancellationToken.None);
        for (var i = 0; i < 200 && (await journal.FindAsync("2", CancellationToken.None)) is null && (await journal.LeaseAsync(SimulatedVm.Id, CancellationToken.None)) is null; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(1);
        }
        var holder = (await journal.LeaseAsync(SimulatedVm.Id, CancellationToken.None))!;

        var second = await Engine(owner: "elsewhere/1/1").ApplyAsync(PlanTo("    memory: 320MiB\n"), MorphKind.Apply, Guarded with { ObservationWindow = TimeSpan.Zero }, CancellationToken.None);

        Assert.Equal(MorphResult.Busy, second.Result);
        Assert.Contains($"morph {holder.MorphId}", second.Message, StringComparison.Ordinal);
        Assert.Equal(MorphResult.Committed, (await RunAsync(first)).Result);
    }

    [Fact]
    public async Task Recover_MorphWhoseEngineDiedMidStep_IsTakenOverWhenItsLeaseExpiresAndRolledBack()
    {
        var plan = PlanTo("    memory: 384MiB\n    disk:\n      write-bytes-per-second: 50MiB/s\n");
        // The first engine "dies" right after journaling step 2: it stops there, its lease is left to expire.
        var died = Engine(owner: "gone-host/1/1", hook: e => e.State is { Phase: MorphPhase.Applying, Step: 2 } ? throw new EngineDied() : ValueTask.CompletedTask);
        await Assert.ThrowsAsync<EngineDied>(() => RunAsync(died.ApplyAsync(plan, MorphKind.Apply, Guarded with { ObservationWindow = TimeSpan.Zero }, CancellationToken.None)));
        Assert.Equal(384L << 20, (long)vm.Configuration.Memory!.Value.Bytes);

        var recovering = Engine(owner: "here/2/2");
        var early = await recovering.RecoverAsync(CancellationToken.None);
        Assert.Equal(MorphResult.Busy, Assert.Single(early).Result);
        clock.Advance(TimeSpan.FromSeconds(31));
        var recovered = Assert.Single(await RunAsync(recovering.RecoverAsync(CancellationToken.None)));

        Assert.Equal(MorphResult.RolledBack, recovered.Result);
        Assert.Equal(plan.BaseHash, vm.Configuration.ContentHash());
        var entries = await journal.ReadAsync(recovered.Record!.MorphId, CancellationToken.None);
        Assert.Contains(entries, e => e.Event is ResumedAfterCrash);
        Assert.True(entries[^1].State.Finalized);
        Assert.Null(await journal.LeaseAsync(SimulatedVm.Id, CancellationToken.None));
    }

    [Fact]
    public async Task Recover_MorphAppliedWithAProbeThatDiedObserving_ObservesAgainWithTheSameProbe()
    {
        var plan = PlanTo("    memory: 384MiB\n");
        var applied = new CountingProbe("tcp://10.0.0.5:80");
        var died = Engine(owner: "gone-host/1/1", hook: e => e.State.Phase == MorphPhase.Observing ? throw new EngineDied() : ValueTask.CompletedTask);
        await Assert.ThrowsAsync<EngineDied>(() => RunAsync(died.ApplyAsync(plan, MorphKind.Apply, Guarded with { Probe = applied }, CancellationToken.None)));
        var morph = Assert.Single(await journal.UnfinishedAsync(CancellationToken.None));
        Assert.Equal("tcp://10.0.0.5:80", morph.Baseline!.Probe);
        Assert.True(applied.Calls > 0);

        var made = new List<string>();
        var again = new CountingProbe("tcp://10.0.0.5:80");
        var recovering = Engine(owner: "here/2/2", probeFromAddress: address => { made.Add(address); return again; });
        clock.Advance(TimeSpan.FromSeconds(31));
        var recovered = Assert.Single(await RunAsync(recovering.RecoverAsync(CancellationToken.None)));

        Assert.Equal(MorphResult.Committed, recovered.Result);
        Assert.Equal(["tcp://10.0.0.5:80"], made);
        Assert.InRange(again.Calls, 55, 62);
        var record = (await journal.FindAsync(recovered.Record!.MorphId, CancellationToken.None))!;
        Assert.Contains(record.Verdict!.Signals, s => s.Signal == GuardSignal.HealthProbe && s.Outcome == SignalOutcome.Unchanged);
    }

    [Fact]
    public async Task Apply_WithASnapshot_SamplesTheBaselineAfterTheSnapshotAndBeforeTheFirstStep()
    {
        var plan = PlanTo("    vcpus: \"2\"\n    memory: 384MiB\n    disk:\n      write-bytes-per-second: 50MiB/s\n");
        Assert.True(plan.Delta.SnapshotRequired);
        var outcome = await RunAsync(Engine().ApplyAsync(plan, MorphKind.Apply, Guarded, CancellationToken.None));

        Assert.Equal(MorphResult.Committed, outcome.Result);
        var entries = await journal.ReadAsync(outcome.Record!.MorphId, CancellationToken.None);
        var snapshotAt = entries.Select(e => e.Event).OfType<SnapshotTaken>().Single().At;
        var firstStepAt = entries.Select(e => e.Event).OfType<StepApplied>().First().At;
        var baseline = (await journal.FindAsync(outcome.Record.MorphId, CancellationToken.None))!.Baseline!;
        Assert.True(baseline.From >= snapshotAt, $"baseline from {baseline.From:O}, snapshot at {snapshotAt:O}");
        Assert.True(baseline.To <= firstStepAt, $"baseline to {baseline.To:O}, step 1 at {firstStepAt:O}");
        Assert.InRange(baseline.Samples.Count, 28, 31);
    }

    [Fact]
    public async Task FailedMorph_WhenNeitherInverseNorSnapshotWorks_KeepsTheVmUntilAPersonResolvesIt()
    {
        vm.Failing.Add(StepKind.SetDiskIoLimits);
        vm.RevertFails = true;
        var plan = PlanTo("    vcpus: \"2\"\n    memory: 384MiB\n    disk:\n      write-bytes-per-second: 50MiB/s\n");
        Assert.True(plan.Delta.SnapshotRequired);
        var failed = await RunAsync(Engine().ApplyAsync(plan, MorphKind.Apply, Guarded with { ObservationWindow = TimeSpan.Zero }, CancellationToken.None));

        Assert.Equal(MorphResult.Failed, failed.Result);
        Assert.Contains("could not revert snapshot", failed.Message, StringComparison.Ordinal);
        vm.Failing.Clear();
        var refused = await Engine().ApplyAsync(PlanTo("    memory: 320MiB\n"), MorphKind.Apply, Guarded with { ObservationWindow = TimeSpan.Zero }, CancellationToken.None);
        Assert.Equal(MorphResult.Busy, refused.Result);
        Assert.Contains($"vmorph recover --resolve {failed.Record!.MorphId}", refused.Message, StringComparison.Ordinal);

        var resolved = await Engine().ResolveAsync(failed.Record.MorphId, "put back by hand", CancellationToken.None);
        Assert.Equal(MorphResult.Committed, resolved.Result);
        Assert.Null(await journal.LeaseAsync(SimulatedVm.Id, CancellationToken.None));
        Assert.Equal("put back by hand", (await journal.ReadAsync(failed.Record.MorphId, CancellationToken.None))[^1].State.Resolution);
    }

    [Fact]
    public void GuestTargetFilter_BusyboxGuest_LeavesOutWhatItCannotHaveAndKeepsWhatDiffers()
    {
        var web = TargetProfileCatalog.BuiltIn.Find("web-server").Value;
        var guest = new GuestSettings(
            new Dictionary<GuestArea, string> { [GuestArea.Packages] = "no dpkg", [GuestArea.Services] = "no systemd", [GuestArea.Ssh] = "no sshd", [GuestArea.Firewall] = "not yet" },
            new Dictionary<string, string?> { ["sysctl.net.core.somaxconn"] = "128", ["sysctl.net.ipv4.tcp_syncookies"] = "1" });
        var fitted = GuestTargetFilter.Fit(web, guest);
        Assert.Equal(4, fitted.Notes.Length);
        Assert.Contains(fitted.Notes, n => n.StartsWith("packages (+nginx, -telnetd, -rsh-server): no dpkg", StringComparison.Ordinal));
        Assert.Equal(["net.core.somaxconn"], fitted.Target.Security.Sysctl.Keys);
        Assert.Equal("128", fitted.Guest["sysctl.net.core.somaxconn"]);
        Assert.Empty(fitted.Target.Software.PackagesPresent);
        Assert.Null(fitted.Target.Security.FirewallDefault);
    }

    [Fact]
    public void GuardSampling_TwoReadings_GiveRatesAndNoneAcrossARestart()
    {
        var at = clock.GetUtcNow();
        var a = new GuardReading { At = at, MonotonicSeconds = 10, RuntimeId = 7, CpuTimeNanoseconds = 1_000_000_000, Vcpus = 2, DiskRequests = 100, DiskTimeNanoseconds = 1_000_000, DiskBytes = 0, MajorFaults = 5, MemoryAvailableKiB = 1000, MemoryUsableKiB = 250 };
        var b = a with { At = at.AddSeconds(2), MonotonicSeconds = 12, CpuTimeNanoseconds = 2_000_000_000, DiskRequests = 300, DiskTimeNanoseconds = 5_000_000, DiskBytes = 4_000_000, MajorFaults = 25 };
        var sample = GuardSampling.Between(a, b)!.Value;
        Assert.Equal(0.25, sample.CpuUtilisation!.Value, 6);
        Assert.Equal(2_000_000, sample.DiskThroughputBytesPerSecond!.Value, 6);
        Assert.Equal(0.00002, sample.DiskLatencySeconds!.Value, 9);
        Assert.Equal(10, sample.MajorFaultsPerSecond!.Value, 6);
        Assert.Equal(0.75, sample.MemoryUtilisation!.Value, 6);
        Assert.Null(GuardSampling.Between(a, b with { RuntimeId = 8 }));
    }

    private sealed class EngineDied : Exception;

    // Always answers, instantly; counts the calls.
    private sealed class CountingProbe(string address) : IHealthProbe
    {
        private int calls;

        public int Calls => Volatile.Read(ref calls);

        public string Description => address;

        public string? Address => address;

        public Task<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult(new ProbeResult(DateTimeOffset.UnixEpoch, true, TimeSpan.FromMilliseconds(1)));
        }
    }

    /// <summary>A running VM in memory: its configuration changes as the driver sets it; its disk streams 40 MB/s unless a read limit holds it down.</summary>
    private sealed class SimulatedVm(FakeTimeProvider clock) : IMorphHost, IMorphDriver
    {
        public static readonly VmId Id = new("0b5a4c52-0000-4000-8000-00000000f00d");
        private readonly Random random = new(42);
        private long diskBytes;
        private long cpuNanoseconds;
        private double lastSeconds;

        public VmConfiguration Configuration { get; private set; } = new()
        {
            Vcpus = 1,
            MaxVcpus = 4,
            Memory = MemorySize.FromMiB(256),
            MaxMemory = MemorySize.FromMiB(1024),
            Disks = ImmutableSortedDictionary<string, DiskConfiguration>.Empty.Add("vda", new DiskConfiguration { Source = "/sim/vda.qcow2", Capacity = MemorySize.FromMiB(256) }),
        };

        public string Uri => "sim:///";

        public Task<Result<MorphVm>> FindAsync(string idOrName, CancellationToken cancellationToken) =>
            Task.FromResult(Result<MorphVm>.Ok(new MorphVm(Id, "sim-1", true, Configuration, GuestAccess.None)));

        public Task<Result<GuestSettings>> ReadGuestSettingsAsync(VmId vm, IReadOnlyCollection<string> keys, CancellationToken cancellationToken) =>
            Task.FromResult(Result<GuestSettings>.Fail("the simulated VM has no guest"));

        public Task<Result<GuardReading>> ReadCountersAsync(VmId vm, CancellationToken cancellationToken)
        {
            var seconds = clock.GetTimestamp() / (double)clock.TimestampFrequency;
            var elapsed = seconds - lastSeconds;
            lastSeconds = seconds;
            var limit = Configuration.Disks["vda"].ReadBytesPerSecond?.BytesPerSecond;
            var rate = (limit ?? 40e6) * (0.9 + 0.2 * random.NextDouble()) / (InABusyPhase ? 10 : 1);
            diskBytes += (long)(rate * elapsed);
            cpuNanoseconds += (long)(0.2e9 * elapsed * (0.9 + 0.2 * random.NextDouble()));
            return Task.FromResult(Result<GuardReading>.Ok(new GuardReading
            {
                At = clock.GetUtcNow(),
                MonotonicSeconds = seconds,
                RuntimeId = 1,
                CpuTimeNanoseconds = cpuNanoseconds,
                Vcpus = Configuration.Vcpus,
                DiskBytes = diskBytes,
            }));
        }

        public Task<Result<TimeSpan>> PingGuestAsync(VmId vm, TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult(Result<TimeSpan>.Ok(TimeSpan.FromMilliseconds(1)));

        public Task<Result<bool>> CheckAsync(VmId vm, Precondition precondition, CancellationToken cancellationToken) => Task.FromResult(Result<bool>.Ok(true));

        public Task<Result<Done>> TakeSnapshotAsync(VmId vm, string name, CancellationToken cancellationToken) => Done();

        public HashSet<StepKind> Failing { get; } = [];

        /// <summary>A phase of the workload's own, which the morph did not cause: the disk streams a tenth of its rate.</summary>
        public bool InABusyPhase { get; set; }

        public bool RevertFails { get; set; }

        public Task<Result<Done>> RevertSnapshotAsync(VmId vm, string name, CancellationToken cancellationToken) =>
            RevertFails ? Task.FromResult(Result<Done>.Fail("simulated: the revert fails")) : Done();

        public Task<Result<Done>> DeleteSnapshotAsync(VmId vm, string name, CancellationToken cancellationToken) => Done();

        public Task<Result<Done>> ApplyAsync(VmId vm, StepOperation operation, CancellationToken cancellationToken)
        {
            if (Failing.Contains(operation.Kind)) return Task.FromResult(Result<Done>.Fail($"simulated: {operation.Kind} fails"));
            Configuration = ConfigurationEditor.Apply(Configuration, operation.Changes);
            return Done();
        }

        public Task<Result<Done>> RestartAsync(VmId vm, CancellationToken cancellationToken) => Done();

        private static Task<Result<Done>> Done() => Task.FromResult(Result<Done>.Ok(default));
    }
}
