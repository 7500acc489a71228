using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vmorph.Loop;
using Vmorph.Server;
using Vmorph.Server.Access;

namespace Vmorph.Benchmarks;

/// <summary>
/// The decide loop of <c>vmorph serve --replay</c> in this process: a real server (ASP.NET Core, Orleans silo, SQLite
/// store) replaying a trace cloned to N VMs. Reports, per collection cycle, its wall time and the process's CPU time
/// between cycle ends; the grain activation rate at start; the resident memory after warm-up and a full collection;
/// and optionally the API's latency on loopback.
/// </summary>
/// <remarks>
/// <c>serve-loop TRACE VMS SPEED CYCLES [--api REQUESTS]</c>. A replayed cycle is the trace's step (5 minutes for
/// Bitbrains), so its real length is step / SPEED; a cycle that takes longer than that misses samples.
/// Run it with VMS = 1 for the resident memory of an (almost) empty server with the same trace loaded.
/// </remarks>
internal static class ServeLoop
{
    // How many morphs a cycle may decide and finish and still count as the decide loop's own (see the summary line).
    private const int QuietMorphs = 50;

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        if (args.Length < 5)
        {
            output.WriteLine("usage: serve-loop TRACE VMS SPEED CYCLES [--api REQUESTS]");
            return 2;
        }
        var trace = args[1];
        var vms = int.Parse(args[2], CultureInfo.InvariantCulture);
        var speed = double.Parse(args[3], CultureInfo.InvariantCulture);
        var cycles = int.Parse(args[4], CultureInfo.InvariantCulture);
        var apiRequests = args.Length >= 7 && args[5] == "--api" ? int.Parse(args[6], CultureInfo.InvariantCulture) : 0;

        var data = Path.Combine(Path.GetTempPath(), "vmorph-serve-loop-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(data);
        try
        {
            return await RunAsync(trace, vms, speed, cycles, apiRequests, data, output);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<int> RunAsync(string trace, int vms, double speed, int cycles, int apiRequests, string data, TextWriter output)
    {
        using var process = Process.GetCurrentProcess();
        var ends = new List<(TimeSpan Wall, TimeSpan Cpu, double Duration, long Applied, long Morphed, int FullCollections, TimeSpan Paused, long Allocated)>();
        var cycleEnded = new SemaphoreSlim(0);
        long grainsActive = 0;
        long applied = 0;
        long morphed = 0;
        var total = Stopwatch.StartNew();
        using var allocations = Environment.GetEnvironmentVariable("VMORPH_BENCH_ALLOCATIONS") == "1" ? new AllocationSampler() : null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == LoopMetrics.Name && instrument.Name is "vmorph.collection.duration" or "vmorph.grains.active" or "vmorph.decisions" or "vmorph.morphs")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, seconds, _, _) =>
        {
            lock (ends) ends.Add((total.Elapsed, Environment.CpuUsage.TotalTime, seconds, Interlocked.Read(ref applied), Interlocked.Read(ref morphed), GC.CollectionCount(2), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes()));
            cycleEnded.Release();
        });
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            // Morphs are a large part of a cycle's work while the replay right-sizes the fleet: count them per cycle.
            if (instrument.Name == "vmorph.grains.active") Interlocked.Exchange(ref grainsActive, value);
            else if (instrument.Name == "vmorph.morphs") Interlocked.Add(ref morphed, value);
            else if (tags.ToArray().Any(t => t.Key == "verdict" && (string?)t.Value == "apply")) Interlocked.Add(ref applied, value);
        });
        listener.Start();

        var options = new ServeOptions
        {
            DataDirectory = data,
            ReplayTrace = trace,
            ReplayVms = vms,
            ReplaySpeed = speed,
            Urls = ["http://127.0.0.1:0"],
        };
        var app = VmorphServer.Build(options, builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        var cpuAtStart = Environment.CpuUsage.TotalTime;
        await app.StartAsync();
        var started = total.Elapsed;
        output.WriteLine(FormattableString.Invariant($"trace {trace}, {vms:N0} VMs, speed {speed}x; started in {started.TotalSeconds:0.0} s ({(Environment.CpuUsage.TotalTime - cpuAtStart).TotalSeconds:0.0} s CPU)"));

        // Activation: poll the grain gauge until every VM has its grain.
        var activation = new List<(TimeSpan Wall, long Grains)>();
        while (Interlocked.Read(ref grainsActive) < vms && total.Elapsed - started < TimeSpan.FromMinutes(20))
        {
            listener.RecordObservableInstruments();
            activation.Add((total.Elapsed - started, Interlocked.Read(ref grainsActive)));
            await Task.Delay(250);
        }
        listener.RecordObservableInstruments();
        var allActive = total.Elapsed - started;
        var first = activation.FirstOrDefault(a => a.Grains > 0);
        output.WriteLine(FormattableString.Invariant(
            $"grains: {Interlocked.Read(ref grainsActive):N0} active {allActive.TotalSeconds:0.0} s after start (first at {first.Wall.TotalSeconds:0.0} s): {Interlocked.Read(ref grainsActive) / Math.Max(0.001, (allActive - first.Wall).TotalSeconds):N0} grains/s"));

        // Cycles: each callback of the duration histogram ends one.
        var step = TimeSpan.FromMinutes(5) / speed;
        for (var c = 0; c < cycles + 1; c++)
        {
            if (!await cycleEnded.WaitAsync(TimeSpan.FromMinutes(30)))
                break;
            // Allocations are sampled from the end of cycle 8 (after the activation and the first morph waves).
            if (c == 8) allocations?.Start();
        }
        output.WriteLine(FormattableString.Invariant($"real step {step.TotalSeconds:0.00} s; cycle | wall of the cycle, s | CPU since the previous cycle ended, s | wall since the previous, s | morphs decided | morphs finished | full GCs | GC pauses, s | allocated, MB"));
        List<(TimeSpan Wall, TimeSpan Cpu, double Duration, long Applied, long Morphed, int FullCollections, TimeSpan Paused, long Allocated)> seen;
        lock (ends) seen = [.. ends];
        var cpuPerCycle = new List<double>();
        var cycleWalls = new List<double>();
        for (var i = 1; i < seen.Count; i++)
        {
            // The collector's clock is the replay's: its duration is in replayed seconds.
            var wall = seen[i].Duration / speed;
            var cpu = (seen[i].Cpu - seen[i - 1].Cpu).TotalSeconds;
            var between = (seen[i].Wall - seen[i - 1].Wall).TotalSeconds;
            cpuPerCycle.Add(cpu);
            cycleWalls.Add(wall);
            output.WriteLine(FormattableString.Invariant($"{i,5} | {wall,8:0.000} | {cpu,8:0.000} | {between,8:0.00} | {seen[i].Applied - seen[i - 1].Applied,6} | {seen[i].Morphed - seen[i - 1].Morphed,6} | {seen[i].FullCollections - seen[i - 1].FullCollections,3} | {(seen[i].Paused - seen[i - 1].Paused).TotalSeconds,6:0.000} | {(seen[i].Allocated - seen[i - 1].Allocated) / 1e6,7:0.0}"));
        }
        if (cpuPerCycle.Count > 0)
        {
            output.WriteLine(FormattableString.Invariant(
                $"CPU per cycle: median {Median(cpuPerCycle):0.000} s, max {cpuPerCycle.Max():0.000} s; cycle wall: median {Median(cycleWalls):0.000} s, max {cycleWalls.Max():0.000} s (step {step.TotalSeconds:0.00} s)"));
            // The decide loop's own cost: the cycles after the first that decided and finished few morphs (a morph
            // costs several milliseconds of CPU; the replay's waves of them are the replay's, not the loop's).
            var quiet = Enumerable.Range(2, seen.Count - 2)
                .Where(i => seen[i].Applied - seen[i - 1].Applied <= QuietMorphs && seen[i].Morphed - seen[i - 1].Morphed <= QuietMorphs)
                .Select(i => cpuPerCycle[i - 1]).ToList();
            if (quiet.Count > 0)
                output.WriteLine(FormattableString.Invariant(
                    $"cycles deciding and finishing at most {QuietMorphs} morphs each: {quiet.Count}, CPU mean {quiet.Average():0.000} s, median {Median(quiet):0.000} s, min {quiet.Min():0.000} s, max {quiet.Max():0.000} s"));
        }
        allocations?.Report(output, 40);
        output.WriteLine(FormattableString.Invariant($"collections during the run: gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}"));

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        process.Refresh();
        output.WriteLine(FormattableString.Invariant(
            $"after a full GC: RSS {process.WorkingSet64:N0} bytes, managed heap {GC.GetTotalMemory(false):N0} bytes, gen2 collections {GC.CollectionCount(2)}"));

        // VMORPH_BENCH_DUMP=FILE: a full heap dump of this process, written by the runtime's createdump right after the
        // collection above, for the bench's heap-types command. The loop goes on running while the server is up, and
        // every second of it at speed 2,000 is 6.7 more replayed steps, so the dump is taken here, at the cycles' end,
        // and not later from outside: that is what makes one run's grains as old as another's.
        if (Environment.GetEnvironmentVariable("VMORPH_BENCH_DUMP") is { Length: > 0 } dump)
        {
            var createdump = Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "createdump");
            var start = new ProcessStartInfo(createdump) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "--full", "-f", dump, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) }) start.ArgumentList.Add(argument);
            using var dumping = Process.Start(start) ?? throw new InvalidOperationException($"could not start {createdump}");
            var errors = dumping.StandardError.ReadToEndAsync();
            await dumping.StandardOutput.ReadToEndAsync();
            await dumping.WaitForExitAsync();
            output.WriteLine(dumping.ExitCode == 0
                ? FormattableString.Invariant($"heap dump written to {dump} after {cycles:N0} cycles ({cycles * 5.0 / 60 / 24:0.0} replayed days)")
                : $"createdump failed ({dumping.ExitCode}): {(await errors).Trim()}");
        }

        if (apiRequests > 0)
            await MeasureApiAsync(app, apiRequests, output);

        await app.StopAsync();
        await app.DisposeAsync();
        return 0;
    }

    private static async Task MeasureApiAsync(WebApplication app, int requests, TextWriter output)
    {
        var address = app.Urls.First();
        var token = await app.Services.EnsureAdminTokenAsync(CancellationToken.None)
            ?? throw new InvalidOperationException("a fresh data directory has no admin token");
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Secret);

        var page = JsonNode.Parse(await http.GetStringAsync(new Uri("/api/v1/fleet?limit=50", UriKind.Relative)))!;
        var ids = page["items"]!.AsArray().Select(i => (string)i!["id"]!).ToList();
        output.WriteLine(FormattableString.Invariant($"API at {address}: fleet total {(int)page["total"]!:N0}; {requests} requests per endpoint after 10 of warm-up"));
        output.WriteLine("endpoint | clients | p50 ms | p99 ms | max ms | requests/s");
        var offsets = Enumerable.Range(0, 200).Select(i => i * 50).ToArray();
        var endpoints = new (string Name, Func<int, string> Path)[]
        {
            ("GET /api/v1/fleet?limit=50&offset=...", i => FormattableString.Invariant($"/api/v1/fleet?limit=50&offset={offsets[i % offsets.Length]}")),
            ("GET /api/v1/vms/{vm}", i => "/api/v1/vms/" + Uri.EscapeDataString(ids[i % ids.Count])),
            ("GET /api/v1/vms/{vm}/traits", i => "/api/v1/vms/" + Uri.EscapeDataString(ids[i % ids.Count]) + "/traits"),
        };
        foreach (var (name, path) in endpoints)
            foreach (var clients in new[] { 1, 8 })
            {
                for (var i = 0; i < 10; i++)
                    (await http.GetAsync(new Uri(path(i), UriKind.Relative))).EnsureSuccessStatusCode();
                var latencies = new double[requests];
                var next = -1;
                var watch = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < requests)
                    {
                        var one = Stopwatch.StartNew();
                        using var response = await http.GetAsync(new Uri(path(i), UriKind.Relative));
                        response.EnsureSuccessStatusCode();
                        _ = await response.Content.ReadAsByteArrayAsync();
                        latencies[i] = one.Elapsed.TotalMilliseconds;
                    }
                })));
                var rate = requests / watch.Elapsed.TotalSeconds;
                Array.Sort(latencies);
                output.WriteLine(FormattableString.Invariant(
                    $"{name} | {clients} | {Percentile(latencies, 0.50):0.0} | {Percentile(latencies, 0.99):0.0} | {latencies[^1]:0.0} | {rate:0.0}"));
            }
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>
    /// What the run allocates, by type: the runtime's allocation ticks (one about every 100 KB allocated, naming the
    /// type of the object that crossed it), summed. Turned on by <c>VMORPH_BENCH_ALLOCATIONS=1</c>; it costs CPU, so
    /// the cycle figures of such a run are not the loop's.
    /// </summary>
    private sealed class AllocationSampler : System.Diagnostics.Tracing.EventListener
    {
        private readonly Dictionary<string, long> bytes = new(StringComparer.Ordinal);
        private volatile bool started;

        public void Start() => started = true;

        protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
                EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
        }

        protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
        {
            if (!started || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null) return;
            var type = e.Payload![e.PayloadNames.IndexOf("TypeName")] as string ?? "?";
            var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var i and >= 0 ? Convert.ToInt64(e.Payload[i], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
            lock (bytes) bytes[type] = bytes.GetValueOrDefault(type) + amount;
        }

        public void Report(TextWriter output, int top)
        {
            List<KeyValuePair<string, long>> sorted;
            lock (bytes) sorted = [.. bytes.OrderByDescending(p => p.Value)];
            var all = sorted.Sum(p => p.Value);
            output.WriteLine(FormattableString.Invariant($"allocation ticks by type from the end of cycle 8 ({all / 1e6:0} MB in all):"));
            foreach (var (type, amount) in sorted.Take(top))
                output.WriteLine(FormattableString.Invariant($"  {amount / 1e6,9:0.0} MB {100.0 * amount / all,5:0.0} %  {type}"));
        }
    }
}
