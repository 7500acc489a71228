using System.Diagnostics;
using System.Globalization;
using Vmorph.Collection;
using Vmorph.Replay;

namespace Vmorph.Benchmarks;

/// <summary>
/// Bytes per replayed VM (<c>vmorph serve --replay</c>): loads a trace, then builds fleets of 10,000 and 100,000 VMs
/// from it (clones share their trace VM's series) and reports the managed heap each holds after a full collection, the
/// series' share and the VMs' own share, the time to load the trace, and the CPU time of one all-domain description and counter reading (what a
/// collector cycle asks of the hypervisor). Run:
/// <c>dotnet run -c Release --project bench/Vmorph.Benchmarks -- replay-fleet-size ../shared/traces/bitbrains-rnd/2013-7</c>.
/// </summary>
public static class ReplayFleetSize
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var paths = args.Skip(1).ToList();
        if (paths.Count == 0)
        {
            output.WriteLine("usage: replay-fleet-size TRACE_PATH...");
            return 64;
        }
        var empty = Heap();
        var watch = Stopwatch.StartNew();
        var loaded = ReplayFleet.Load(paths, new ReplayFleetOptions(), CancellationToken.None);
        var loading = watch.Elapsed;
        if (!loaded.IsSuccess)
        {
            output.WriteLine(string.Join("; ", loaded.Errors));
            return 1;
        }
        var series = loaded.Value.Series;
        var seriesHeap = Heap() - empty;
        var arrays = series.Sum(s => s.ArrayBytes);
        output.WriteLine(Line($"trace: {string.Join(", ", paths)}: {series.Count} trace VMs, {series.Sum(s => s.Length):N0} steps, arrays {arrays:N0} bytes, heap held {seriesHeap:N0} bytes ({seriesHeap / series.Count:N0} per trace VM), loaded in {loading.TotalSeconds:0.0} s"));
        output.WriteLine("VMs | heap held | per VM (all) | per VM (own, without the shared series) | describe + read counters, CPU ms");
        foreach (var count in new[] { 10_000, 100_000 })
        {
            var before = Heap();
            var fleet = ReplayFleet.FromSeries("bench", series, new ReplayFleetOptions { ReplicateTo = count });
            var clock = new ReplayClock(fleet.Start);
            await using var session = await new ReplayHypervisor(fleet, clock).ConnectAsync(fleet.Uri, CancellationToken.None);
            await session.ReadCountersAsync(CancellationToken.None); // every VM starts counting
            var held = Heap() - before;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var domains = await session.DescribeDomainsAsync(CancellationToken.None);
            var counters = await session.ReadCountersAsync(CancellationToken.None);
            var spent = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            output.WriteLine(Line($"{count,7:N0} | {held,13:N0} | {(held + seriesHeap) / count,6:N0} | {held / count,6:N0} | {spent.TotalMilliseconds,6:0}"));
            GC.KeepAlive(domains);
            GC.KeepAlive(counters);
            GC.KeepAlive(fleet);
        }
        GC.KeepAlive(loaded);
        return 0;
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
