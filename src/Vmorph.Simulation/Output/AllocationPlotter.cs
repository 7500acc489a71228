using ScottPlot;
using Vmorph.Simulation.Replay;

namespace Vmorph.Simulation.Output;

/// <summary>
/// PNG plots of usage against each policy's allocation, one file per VM and resource (<c>&lt;vm&gt;-cpu.png</c>, and
/// <c>&lt;vm&gt;-memory.png</c> when the trace has memory), drawn with ScottPlot: one panel per policy, stacked over a
/// shared UTC time axis, shortfalls shaded red. What is drawn is decided by <see cref="AllocationPlotModelBuilder"/>.
/// </summary>
public static class AllocationPlotter
{
    /// <summary>The image width, pixels.</summary>
    public const int WidthPixels = 1600;

    /// <summary>The height of one panel, pixels: an image of n panels is n times this high.</summary>
    public const int PanelHeightPixels = 220;

    // Fixed margins, so that every panel's data area has the same left and right edges and the time axes line up.
    private const float LeftMargin = 80, RightMargin = 250, TopMargin = 30, BottomMargin = 12, AxisMargin = 50, HeaderMargin = 22;

    // A shortfall narrower than this is widened in its background band, so that one short step in a month still shows.
    private const float MinimumBandPixels = 4;

    private static readonly Color UsageColor = Colors.Black.WithAlpha(0.75);
    private static readonly Color AllocationColor = new(31, 119, 180);
    private static readonly Color ShortfallColor = new(214, 39, 40);

    /// <summary>
    /// Plots the tracks into a directory (created if needed), one file per VM and resource; returns the files written.
    /// </summary>
    /// <param name="directory">Where to write.</param>
    /// <param name="tracks">The allocation tracks of the VMs to plot.</param>
    /// <param name="caption">What produced the tracks, shown in each file's header.</param>
    /// <param name="policies">The policies to draw a panel for, in that order; empty draws every policy of the tracks.</param>
    public static IReadOnlyList<string> Plot(string directory, IReadOnlyList<AllocationTrack> tracks, string caption, IReadOnlyList<string>? policies = null)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (var group in tracks.GroupBy(t => t.Series.Vm))
        {
            var vmTracks = group.ToList();
            var series = vmTracks[0].Series;
            if (series.Length == 0) continue;
            var stem = FileStem(series.Vm.Value);
            foreach (var resource in series.HasMemory ? new[] { PlotResource.Cpu, PlotResource.Memory } : [PlotResource.Cpu])
            {
                var model = AllocationPlotModelBuilder.Build(vmTracks, resource, policies ?? [], caption);
                if (model.Panels.Count == 0) continue;
                var path = Path.Combine(directory, stem + (resource == PlotResource.Cpu ? "-cpu.png" : "-memory.png"));
                Render(model, path);
                written.Add(path);
            }
        }
        return written;
    }

    /// <summary>Draws a model into a PNG file, <see cref="WidthPixels"/> wide and <see cref="PanelHeightPixels"/> per panel high.</summary>
    public static void Render(AllocationPlotModel model, string path)
    {
        var plots = model.Panels.Select(_ => new Plot()).ToArray();
        // A new Multiplot holds one empty plot of its own: start it from the first panel instead.
        var multiplot = new Multiplot();
        multiplot.Reset(plots[0]);
        foreach (var plot in plots.Skip(1)) multiplot.AddPlot(plot);
        var count = model.Panels.Count;
        var from = Days(model.FromUnixSeconds);
        var until = Days(model.UntilUnixSeconds);
        // Step lines hold each value until the next step: one more point, at the end of the last step, draws it.
        var xs = model.UnixSeconds.Select(Days).Append(until).ToArray();
        var usage = model.Usage.Append(model.Usage.Count > 0 ? model.Usage[^1] : double.NaN).ToArray();
        var present = Enumerable.Range(0, usage.Length).Where(i => !double.IsNaN(usage[i])).ToArray();
        var daysPerPixel = (until - from) / (WidthPixels - LeftMargin - RightMargin);
        for (var k = 0; k < count; k++)
        {
            var panel = model.Panels[k];
            var first = k == 0;
            var last = k == count - 1;
            var plot = plots[k];
            plot.Layout.Fixed(new PixelPadding(LeftMargin, RightMargin, last ? AxisMargin : BottomMargin, TopMargin + (first ? HeaderMargin : 0)));
            plot.Title(first ? model.Header + "\n" + panel.Title : panel.Title, size: 13);

            foreach (var (x1, x2) in Bands(panel.Shortfalls, daysPerPixel * MinimumBandPixels))
            {
                var band = plot.Add.HorizontalSpan(x1, x2, ShortfallColor.WithAlpha(0.22));
                band.LineStyle.Width = 0;
            }
            var (fillXs, lower, upper) = ShortfallOutline(xs, usage, panel.Allocation);
            var fill = plot.Add.FillY(fillXs, lower, upper);
            fill.FillStyle.Color = ShortfallColor.WithAlpha(0.7);
            fill.LineStyle.Width = 0;
            fill.LegendText = "short: allocation < usage";

            var used = plot.Add.Scatter(present.Select(i => xs[i]).ToArray(), present.Select(i => usage[i]).ToArray());
            used.LegendText = "usage (trace)";
            used.MarkerSize = 0;
            used.LineWidth = 1;
            used.Color = UsageColor;
            used.ConnectStyle = ConnectStyle.StepHorizontal;

            var allocation = plot.Add.Scatter(xs, panel.Allocation.Append(panel.Allocation[^1]).ToArray());
            allocation.LegendText = "allocation (" + panel.Policy + ")";
            allocation.MarkerSize = 0;
            allocation.LineWidth = 2;
            allocation.Color = AllocationColor;
            allocation.ConnectStyle = ConnectStyle.StepHorizontal;

            plot.Axes.SetLimits(from, until, model.YMin, model.YMax);
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            foreach (var tick in model.Ticks) ticks.AddMajor(Days(tick.UnixSeconds), last ? tick.Label : " ");
            plot.Axes.Bottom.TickGenerator = ticks;
            plot.Axes.Bottom.Label.Text = last ? AllocationPlotModel.TimeAxisLabel : "";
            plot.Axes.Left.Label.Text = model.ValueAxisLabel;
            plot.ShowLegend(Edge.Right);
        }
        multiplot.SavePng(path, WidthPixels, PanelHeightPixels * count);
    }

    /// <summary>The outline of the shortfall fill: step-shaped, from the allocation up to the usage where it is higher, flat elsewhere.</summary>
    private static (double[] Xs, double[] Lower, double[] Upper) ShortfallOutline(double[] xs, double[] usage, IReadOnlyList<double> allocation)
    {
        var n = allocation.Count;
        var fillXs = new double[2 * n];
        var lower = new double[2 * n];
        var upper = new double[2 * n];
        for (var i = 0; i < n; i++)
        {
            var a = double.IsNaN(allocation[i]) ? 0 : allocation[i];
            var top = usage[i] > a ? usage[i] : a;
            fillXs[2 * i] = xs[i];
            fillXs[2 * i + 1] = xs[i + 1];
            lower[2 * i] = lower[2 * i + 1] = a;
            upper[2 * i] = upper[2 * i + 1] = top;
        }
        return (fillXs, lower, upper);
    }

    /// <summary>The shortfall spans as background bands in days, each at least <paramref name="minimumDays"/> wide, overlapping ones merged.</summary>
    private static List<(double From, double Until)> Bands(IReadOnlyList<ShortfallSpan> spans, double minimumDays)
    {
        var bands = new List<(double From, double Until)>();
        foreach (var span in spans)
        {
            var from = Days(span.FromUnixSeconds);
            var until = Days(span.UntilUnixSeconds);
            if (until - from < minimumDays)
            {
                var middle = (from + until) / 2;
                (from, until) = (middle - minimumDays / 2, middle + minimumDays / 2);
            }
            if (bands.Count > 0 && from <= bands[^1].Until) bands[^1] = (bands[^1].From, Math.Max(bands[^1].Until, until));
            else bands.Add((from, until));
        }
        return bands;
    }

    private static double Days(long unixSeconds) => unixSeconds / 86_400.0;

    private static string FileStem(string vm) =>
        new([.. vm.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
}
