using Vmorph.Collection;
using Vmorph.Storage.Sqlite;
using Vmorph.Units;

namespace Vmorph.Libvirt.Tests.Collection;

public sealed class CollectorTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("vmorph-collector-").FullName;
    private readonly SqliteFleetStore store;
    private readonly FakeHypervisor hypervisor = new();
    private readonly List<string> log = [];

    public CollectorTests() => store = SqliteFleetStore.Open(Path.Combine(directory, "vmorph.db"), TimeProvider.System);

    public void Dispose()
    {
        store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    private Collector Make(TimeSpan? interval = null) => new(hypervisor, store, TimeProvider.System,
        new CollectorOptions { Uri = "fake:///", Interval = interval ?? TimeSpan.FromSeconds(10), SampleWindow = TimeSpan.FromMilliseconds(1), InitialBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(200), EventDebounce = TimeSpan.FromMilliseconds(10) },
        new byte[32], m => { lock (log) log.Add(m); });

    [Fact]
    public async Task ConfigurationChange_WithAnEvent_IsANewVersionCausedByThatEvent()
    {
        await using var collector = Make();
        var first = (await collector.CollectOnceAsync(CancellationToken.None)).Vms[0];
        Assert.Equal("first seen by the collector", first.NewVersion!.Cause);
        Assert.NotNull(first.Sample?.Cpu);

        hypervisor.Configuration = hypervisor.Configuration with { Memory = MemorySize.FromMiB(384) };
        hypervisor.Event("balloon changed to 393216 KiB");
        var second = (await collector.CollectOnceAsync(CancellationToken.None)).Vms[0];
        Assert.Equal(2, second.NewVersion!.Version);
        Assert.Equal("libvirt event: balloon changed to 393216 KiB", second.NewVersion.Cause);
        var change = Assert.Single(second.NewVersion.Changes);
        Assert.Equal(("memory.current", "268435456", "402653184"), (change.Path, change.Before, change.After));
        var history = (await store.FindAsync("fake-1", CancellationToken.None))!.Profile.ConfigurationHistory;
        Assert.Equal([1, 2], history.Versions.Select(v => v.Version));
    }

    // collect --once run again and again (cron, the confusion benchmark's windows): the scan cadence carries over.
    [Theory]
    [InlineData(1, false)]
    [InlineData(11, true)]
    public async Task ScannedBefore_AVmScannedMinutesAgo_IsScannedOnlyOnceTheScanIntervalHasPassed(int minutesAgo, bool scanned)
    {
        var options = new CollectorOptions
        {
            Uri = "fake:///", SampleWindow = TimeSpan.FromMilliseconds(1), ScanInterval = TimeSpan.FromMinutes(10),
            ScannedBefore = new Dictionary<Vmorph.Identity.VmId, DateTimeOffset> { [FakeHypervisor.Vm] = TimeProvider.System.GetUtcNow().AddMinutes(-minutesAgo) },
        };
        await using (var collector = new Collector(hypervisor, store, TimeProvider.System, options, new byte[32]))
            await collector.CollectOnceAsync(CancellationToken.None);
        Assert.Equal([scanned], hypervisor.FootprintAsked);

        // Without a scan before, the first cycle scans.
        hypervisor.FootprintAsked.Clear();
        await using (var fresh = new Collector(hypervisor, store, TimeProvider.System, options with { ScannedBefore = new Dictionary<Vmorph.Identity.VmId, DateTimeOffset>() }, new byte[32]))
            await fresh.CollectOnceAsync(CancellationToken.None);
        Assert.Equal([true], hypervisor.FootprintAsked);
    }

    // The fake VM receives half a core and counts itself 90 % busy: a starved guest, whose demand is what it counted.
    [Fact]
    public async Task GuestCpuTimes_AreReadWithEachReadingOfTheCounters_AndMakeTheDemand()
    {
        hypervisor.GuestBusyShare = 0.9;
        await using var collector = Make();
        var first = (await collector.CollectOnceAsync(CancellationToken.None)).Vms[0];
        Assert.Equal(0.5, first.Sample!.Value.Cpu!.Value.Value, 9);
        Assert.Equal(0.9, first.Sample.Value.CpuDemand!.Value.Value, 9);

        hypervisor.GuestBusyShare = null;
        Assert.Null((await collector.CollectOnceAsync(CancellationToken.None)).Vms[0].Sample!.Value.CpuDemand);
    }

    [Fact]
    public async Task ConfigurationChange_WithoutAnEvent_IsFoundByThePeriodicComparison()
    {
        await using var collector = Make();
        await collector.CollectOnceAsync(CancellationToken.None);
        var unchanged = (await collector.CollectOnceAsync(CancellationToken.None)).Vms[0];
        Assert.Null(unchanged.NewVersion);
        hypervisor.Configuration = hypervisor.Configuration with { Vcpus = 2 };
        var changed = (await collector.CollectOnceAsync(CancellationToken.None)).Vms[0];
        Assert.Equal("periodic comparison (libvirt sent no event for this change)", changed.NewVersion!.Cause);
        Assert.Equal("vcpus.current", Assert.Single(changed.NewVersion.Changes).Path);
    }

    [Fact]
    public async Task Restart_CountersBeginAgain_NoRateIsMadeUp()
    {
        await using var collector = Make();
        await collector.CollectOnceAsync(CancellationToken.None);
        hypervisor.RuntimeId = 8;
        hypervisor.CpuTime = 0;
        var vm = (await collector.CollectOnceAsync(CancellationToken.None)).Vms[0];
        Assert.Null(vm.Sample!.Value.Cpu);
        Assert.NotNull(vm.Sample.Value.Memory);
        Assert.Contains("restarted", vm.NoRates, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ConnectionLost_SaysSoRetriesWithBackoffAndRecordsTheGapAsMissing()
    {
        await using var collector = Make(TimeSpan.FromMilliseconds(200));
        using var stop = new CancellationTokenSource();
        var cycles = new List<CycleReport>();
        var run = collector.RunAsync(r => { lock (cycles) cycles.Add(r); if (cycles.Count >= 6) stop.Cancel(); }, stop.Token);
        await WaitAsync(() => cycles.Count >= 2);
        hypervisor.Down = true;
        await WaitAsync(() => { lock (log) return log.Count(l => l.Contains("lost", StringComparison.Ordinal)) >= 3; });
        hypervisor.Down = false;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        lock (log)
        {
            Assert.Contains(log, l => l.StartsWith("connection to fake:/// lost: listing the domains failed: internal error: client socket is closed", StringComparison.Ordinal) && l.Contains("; retrying in", StringComparison.Ordinal));
            Assert.Contains(log, l => l.Contains("Connection refused", StringComparison.Ordinal));
            Assert.Contains(log, l => l.StartsWith("connection to fake:/// is back after", StringComparison.Ordinal));
        }
        var back = cycles.First(c => c.MissedIntervals > 0);
        var profile = (await store.FindAsync("fake-1", CancellationToken.None))!.Profile;
        Assert.Equal(back.MissedIntervals, profile.Performance.MissingSamples);
        // Only cycles that read the hypervisor made samples; the first after the outage took fresh readings (no rate spans the gap).
        Assert.Equal(cycles.Count, profile.Performance.Samples);
        Assert.NotNull(back.Vms[0].Sample);
        Assert.True(hypervisor.Connects >= 2);
    }

    [Fact]
    public async Task Run_EventBetweenCycles_RecordsTheChangeAtOnce()
    {
        await using var collector = Make(TimeSpan.FromSeconds(30));
        using var stop = new CancellationTokenSource();
        var run = collector.RunAsync(null, stop.Token);
        await WaitAsync(() => store.FindAsync("fake-1", CancellationToken.None).Result is not null);
        hypervisor.Configuration = hypervisor.Configuration with { Memory = MemorySize.FromMiB(512) };
        hypervisor.Event("balloon changed to 524288 KiB");
        await WaitAsync(() => store.FindAsync("fake-1", CancellationToken.None).Result!.Profile.ConfigurationHistory.Versions.Count == 2);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        lock (log) Assert.Contains(log, l => l.StartsWith("fake-1: configuration v2 (libvirt event: balloon changed to 524288 KiB): ~ memory.current", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_UnreachableAtStart_FailsAtOnceWithTheReason()
    {
        hypervisor.Down = true;
        await using var collector = Make();
        var e = await Assert.ThrowsAsync<HypervisorUnavailableException>(() => collector.RunAsync(null, CancellationToken.None));
        Assert.Equal("cannot connect to fake:///: Failed to connect socket: Connection refused", e.Message);
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException("the collector did not get there within 20 s");
            await Task.Delay(20);
        }
    }
}
