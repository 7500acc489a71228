using System.Globalization;
using ScottPlot;
using Vmorph.Simulation.Replay;

namespace Vmorph.Simulation.Output;

/// <summary>
/// PNG plots of usage against each policy's allocation, one file per VM and resource
/// (<c>&lt;vm&gt;-cpu.png</c>, <c>&lt;vm&gt;-memory.png</c>), drawn with ScottPlot.
/// </summary>
public static class AllocationPlotter
{
    /// <summary>Plots the tracks of the given VMs into a directory (created if needed); returns the files written.</summary>
    public static IReadOnlyList<string> Plot(string directory, IReadOnlyList<AllocationTrack> tracks, string title)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (var group in tracks.GroupBy(t => t.Series.Vm))
        {
            var vmTracks = group.ToList();
            var series = vmTracks[0].Series;
            var stem = FileStem(series.Vm.Value);
            written.Add(PlotResource(directory, stem + "-cpu.png", vmTracks, series, cpu: true, title));
            if (series.HasMemory) written.Add(PlotResource(directory, stem + "-memory.png", vmTracks, series, cpu: false, title));
        }
        return written;
    }

    private static string PlotResource(string directory, string file, List<AllocationTrack> tracks, ReplaySeries series, bool cpu, string title)
    {
        var plot = new Plot();
        var times = series.UnixSeconds.Select(t => DateTimeOffset.FromUnixTimeSeconds(t).UtcDateTime.ToOADate()).ToArray();
        var usage = cpu ? series.Cores : series.MemoryMiB;
        var present = Enumerable.Range(0, series.Length).Where(i => !double.IsNaN(usage[i])).ToArray();
        var used = plot.Add.Scatter(present.Select(i => times[i]).ToArray(), present.Select(i => usage[i]).ToArray());
        used.LegendText = "usage (trace)";
        used.MarkerSize = 0;
        used.LineWidth = 1;
        used.Color = Colors.Black.WithAlpha(0.6);
        var palette = new ScottPlot.Palettes.Category10();
        for (var k = 0; k < tracks.Count; k++)
        {
            var values = tracks[k].Allocations.Select(a => cpu ? a.Cores : a.MemoryMiB).ToArray();
            var line = plot.Add.Scatter(times, values);
            line.LegendText = tracks[k].Policy;
            line.MarkerSize = 0;
            line.LineWidth = 1.5f;
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.Color = palette.GetColor(k);
        }
        plot.Axes.DateTimeTicksBottom();
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"{series.Vm}: {(cpu ? "CPU" : "memory")} — {title}"));
        plot.YLabel(cpu ? "cores" : "MiB");
        plot.ShowLegend(Alignment.UpperRight);
        var path = Path.Combine(directory, file);
        plot.SavePng(path, 1600, 600);
        return path;
    }

    private static string FileStem(string vm) =>
        new([.. vm.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
}
