using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Vmorph.Configuration;
using Vmorph.Guard;
using Vmorph.Identity;
using Vmorph.Libvirt.Morphing;
using Vmorph.Morphing;
using Vmorph.Morphs;
using Vmorph.Planning;
using Vmorph.Storage.Sqlite;
using Vmorph.TargetProfiles;

namespace Vmorph.Benchmarks;

/// <summary>
/// <c>LiveMorphingSupport</c>, measured on a running lab guest (docs/BENCHMARKS.md, "Live morphing"): the issue's change (vCPUs
/// 1→2, memory 256→384 MiB, a disk write limit) made live by the morph engine, side by side with the same change made
/// cold (shut down, redefine, start) in the same run, the same live morph with <c>--snapshot minimal</c> (no snapshot before
/// the hot-add), and the time of automatic rollbacks by the guard (its health
/// probe stops answering once the steps are applied). The guest's downtime is the largest gap between two successful
/// pings of its guest agent, pinged every 20 ms from a second connection throughout.
/// Run: <c>dotnet run -c Release --project bench/Vmorph.Benchmarks -- morph-live-vs-cold [--guest lab-3] [--runs 3]</c>.
/// </summary>
public static class MorphLiveVsCold
{
    private const string WebServer = """
        apiVersion: vmorph/v1
        kind: TargetProfile
        metadata:
          name: web-server
          description: the built-in web-server's resources at the issue's sizes (vCPUs 2, 384 MiB, disk write limit)
        spec:
          resources:
            vcpus: "2"
            memory: 384MiB
            disk:
              write-bytes-per-second: 100MiB/s
        """;

    private const string LiveOnly = """
        apiVersion: vmorph/v1
        kind: TargetProfile
        metadata:
          name: live-only
          description: the same change without the vCPU hot-add (every step undone live)
        spec:
          resources:
            memory: 384MiB
            disk:
              write-bytes-per-second: 100MiB/s
        """;

    private sealed record Row(string What, int Run, double ApplySeconds, double? StepsSeconds, double? SnapshotSeconds, double? RollbackSeconds, double LargestGapSeconds, int FailedPings, string Result);

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        string Option(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
        var guest = Option("--guest", "lab-3");
        var runs = int.Parse(Option("--runs", "3"), CultureInfo.InvariantCulture);
        var uri = Option("--uri", "qemu:///system");
        var data = Directory.CreateTempSubdirectory("vmorph-bench-morph-").FullName;
        var clock = TimeProvider.System;
        using var driver = LibvirtMorphDriver.Open(uri, clock).Value;
        using var pinger = LibvirtMorphDriver.Open(uri, clock).Value;
        using var store = SqliteFleetStore.Open(Path.Combine(data, "vmorph.db"), clock);
        using var journal = SqliteMorphJournal.Open(Path.Combine(data, "vmorph.db"), clock);
        var catalog = TargetProfileCatalog.Build([], [("web-server.yaml", WebServer), ("live-only.yaml", LiveOnly)]).Value;
        var vm = (await driver.FindAsync(guest, CancellationToken.None)).Value;
        var baseConfiguration = vm.Configuration;
        output.WriteLine($"# morph-live-vs-cold on {guest} ({uri}), {runs} run(s), {clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}Z; base configuration {baseConfiguration.ContentHash()[..12]}");
        var rows = new List<Row>();
        for (var run = 1; run <= runs; run++)
        {
            await ResetAsync(driver, vm, baseConfiguration);
            rows.Add(await LiveAsync(run, driver, pinger, store, journal, catalog.Find("web-server").Value, vm, probeFailsAfterSteps: false));
            await ResetAsync(driver, vm, baseConfiguration);
            rows.Add(await ColdAsync(run, driver, pinger, vm));
            await ResetAsync(driver, vm, baseConfiguration);
            rows.Add(await LiveAsync(run, driver, pinger, store, journal, catalog.Find("live-only").Value, vm, probeFailsAfterSteps: true));
            await ResetAsync(driver, vm, baseConfiguration);
            rows.Add(await LiveAsync(run, driver, pinger, store, journal, catalog.Find("web-server").Value, vm, probeFailsAfterSteps: true));
            await ResetAsync(driver, vm, baseConfiguration);
            rows.Add(await LiveAsync(run, driver, pinger, store, journal, catalog.Find("web-server").Value, vm, probeFailsAfterSteps: false, SnapshotPolicy.Minimal));
            await ResetAsync(driver, vm, baseConfiguration);
            rows.Add(await LiveAsync(run, driver, pinger, store, journal, catalog.Find("web-server").Value, vm, probeFailsAfterSteps: true, SnapshotPolicy.Minimal));
            foreach (var row in rows.Where(r => r.Run == run)) output.WriteLine(Line(row));
        }
        await ResetAsync(driver, vm, baseConfiguration);
        output.WriteLine();
        output.WriteLine("| what | runs | wall time of the apply (s) | start → every step applied (s) | snapshot (s) | guard decision → rolled back (s) | largest agent gap (s) | failed pings |");
        output.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var group in rows.GroupBy(r => r.What))
            output.WriteLine($"| {group.Key} | {group.Count()} | {Spread(group.Select(r => (double?)r.ApplySeconds))} | {Spread(group.Select(r => r.StepsSeconds))} | {Spread(group.Select(r => r.SnapshotSeconds))} | {Spread(group.Select(r => r.RollbackSeconds))} | {Spread(group.Select(r => (double?)r.LargestGapSeconds))} | {string.Join(", ", group.Select(r => r.FailedPings))} |");
        Directory.Delete(data, recursive: true);
        return 0;
    }

    private static string Line(Row r) => string.Create(CultureInfo.InvariantCulture,
        $"run {r.Run} {r.What}: {r.Result}; apply {r.ApplySeconds:0.000} s, steps {r.StepsSeconds:0.000} s, snapshot {r.SnapshotSeconds:0.000} s, rollback {r.RollbackSeconds:0.000} s, largest agent gap {r.LargestGapSeconds:0.000} s, failed pings {r.FailedPings}");

    private static string Spread(IEnumerable<double?> values)
    {
        var v = values.Where(x => x is not null).Select(x => x!.Value).Order().ToList();
        if (v.Count == 0) return "—";
        var median = v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
        return string.Create(CultureInfo.InvariantCulture, $"{median:0.000} ({v[0]:0.000}–{v[^1]:0.000})");
    }

    private static async Task<Row> LiveAsync(int run, LibvirtMorphDriver driver, LibvirtMorphDriver pinger, SqliteFleetStore store, SqliteMorphJournal journal, TargetProfile target, MorphVm vm, bool probeFailsAfterSteps,
        SnapshotPolicy snapshot = SnapshotPolicy.Auto)
    {
        var clock = TimeProvider.System;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var options = new MorphEngineOptions
        {
            // The lab host as libvirt reports it, as the CLI reads it (no lab constants in the morph path).
            Host = (await driver.ReadHostAsync(CancellationToken.None)).Value.Capabilities,
            // The "service" stops answering once every step is applied: the guard must see it and roll back.
            AfterJournaled = e =>
            {
                if (probeFailsAfterSteps && e.State.Phase == MorphPhase.Observing) listener.Stop();
                return ValueTask.CompletedTask;
            },
        };
        var engine = new MorphEngine(journal, store, driver, driver, clock, options);
        var current = (await driver.FindAsync(vm.Id.Value, CancellationToken.None)).Value;
        var plan = (await engine.Planner.PlanAsync(current, target, null, null, CancellationToken.None, snapshot)).Value.Plan;
        var apply = probeFailsAfterSteps
            ? new ApplyOptions
            {
                ObservationWindow = TimeSpan.FromSeconds(10),
                BaselineWindow = TimeSpan.FromSeconds(10),
                SampleInterval = TimeSpan.FromSeconds(1),
                Policy = GuardPolicy.Default with { Window = TimeSpan.FromSeconds(10) },
                Probe = HealthProbes.Parse($"tcp://127.0.0.1:{port}", clock, TimeSpan.FromMilliseconds(300)).Value,
            }
            : new ApplyOptions { ObservationWindow = TimeSpan.Zero, BaselineWindow = TimeSpan.Zero };
        using var pings = new PingLoop(pinger, vm.Id);
        var watch = Stopwatch.StartNew();
        var outcome = await engine.ApplyAsync(plan, MorphKind.Apply, apply, CancellationToken.None);
        var elapsed = watch.Elapsed;
        var (gap, failed) = await pings.StopAsync();
        var what = (probeFailsAfterSteps ? $"automatic rollback of {target.Name} (guard: probe fails)" : $"live morph to {target.Name}")
            + (snapshot == SnapshotPolicy.Minimal ? ", --snapshot minimal" : "");
        return new Row(what, run, elapsed.TotalSeconds, outcome.Timings?.Steps?.TotalSeconds, outcome.Timings?.Snapshot?.TotalSeconds, outcome.Timings?.Rollback?.TotalSeconds,
            gap.TotalSeconds, failed, outcome.Result.ToString().ToLowerInvariant());
    }

    private static async Task<Row> ColdAsync(int run, LibvirtMorphDriver driver, LibvirtMorphDriver pinger, MorphVm vm)
    {
        var desired = new VmConfiguration
        {
            Vcpus = 2,
            Memory = new Units.MemorySize(384L << 20),
        };
        var disk = vm.Configuration.Disks.Keys.First();
        using var pings = new PingLoop(pinger, vm.Id);
        var watch = Stopwatch.StartNew();
        // Cold: write the whole change into the definition, then shut down and start (the driver's restart waits for
        // the agent and the balloon, as the live morph's settle check does).
        foreach (var op in new[]
        {
            new StepOperation(StepKind.SetVcpus, [new ConfigurationChange("vcpus.current", "1", desired.Vcpus.ToString())], StepMode.Restart, StepChannel.Hypervisor),
            new StepOperation(StepKind.SetMemory, [new ConfigurationChange("memory.current", null, ((long)desired.Memory.Value.Bytes).ToString(CultureInfo.InvariantCulture))], StepMode.Restart, StepChannel.Hypervisor),
            new StepOperation(StepKind.SetDiskIoLimits, [new ConfigurationChange($"disk.{disk}.write_bytes_sec", null, (100L << 20).ToString(CultureInfo.InvariantCulture))], StepMode.Restart, StepChannel.Hypervisor),
        })
        {
            var done = await driver.ApplyAsync(vm.Id, op, CancellationToken.None);
            if (!done.IsSuccess) throw new InvalidOperationException(string.Join("; ", done.Errors));
        }
        var restarted = await driver.RestartAsync(vm.Id, CancellationToken.None);
        var elapsed = watch.Elapsed;
        var (gap, failed) = await pings.StopAsync();
        return new Row("cold morph to web-server (shut down, redefine, start)", run, elapsed.TotalSeconds, null, null, null, gap.TotalSeconds, failed, restarted.IsSuccess ? "done" : string.Join("; ", restarted.Errors));
    }

    // Back to the base configuration in the definition, then a restart (which also clears any hot-added vCPU).
    private static async Task ResetAsync(LibvirtMorphDriver driver, MorphVm vm, VmConfiguration original)
    {
        var disk = original.Disks.Keys.First();
        foreach (var op in new[]
        {
            new StepOperation(StepKind.SetVcpus, [new ConfigurationChange("vcpus.current", null, original.Vcpus!.Value.ToString(CultureInfo.InvariantCulture))], StepMode.Restart, StepChannel.Hypervisor),
            new StepOperation(StepKind.SetMemory, [new ConfigurationChange("memory.current", null, ((long)original.Memory!.Value.Bytes).ToString(CultureInfo.InvariantCulture))], StepMode.Restart, StepChannel.Hypervisor),
            new StepOperation(StepKind.SetDiskIoLimits, [new ConfigurationChange($"disk.{disk}.write_bytes_sec", null, null), new ConfigurationChange($"disk.{disk}.read_bytes_sec", null, null), new ConfigurationChange($"disk.{disk}.total_iops_sec", null, null)], StepMode.Restart, StepChannel.Hypervisor),
        })
            _ = await driver.ApplyAsync(vm.Id, op, CancellationToken.None);
        var now = (await driver.FindAsync(vm.Id.Value, CancellationToken.None)).Value;
        if (now.Configuration.ContentHash() != original.ContentHash() || !now.Running)
            _ = await driver.RestartAsync(vm.Id, CancellationToken.None);
    }

    /// <summary>Pings the guest agent every 20 ms; the largest gap between two answers is the guest's downtime as the agent channel sees it.</summary>
    private sealed class PingLoop : IDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private readonly Task<(TimeSpan Gap, int Failed)> loop;

        public PingLoop(LibvirtMorphDriver pinger, VmId vm) => loop = Task.Run(async () =>
        {
            var last = Stopwatch.GetTimestamp();
            var gap = TimeSpan.Zero;
            var failed = 0;
            while (!stop.IsCancellationRequested)
            {
                var answer = await pinger.PingGuestAsync(vm, TimeSpan.FromSeconds(1), CancellationToken.None);
                var now = Stopwatch.GetTimestamp();
                if (answer.IsSuccess)
                {
                    var since = Stopwatch.GetElapsedTime(last, now);
                    if (since > gap) gap = since;
                    last = now;
                }
                else failed++;
                try
                {
                    await Task.Delay(20, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            return (gap, failed);
        });

        public async Task<(TimeSpan Gap, int Failed)> StopAsync()
        {
            await stop.CancelAsync();
            return await loop;
        }

        public void Dispose() => stop.Dispose();
    }
}
