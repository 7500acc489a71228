using ScottPlot;

namespace Vmorph.Simulation.Output;

/// <summary>
/// Draws the frontier (<see cref="FrontierPlotModel"/>) as a PNG with ScottPlot: two panels side by side, mean CPU
/// allocated (y) against the share of short steps (left) and of unserved demand (right), both on logarithmic axes.
/// vmorph's policies are joined by a line (its own trade-off), each window of the reference rules by another; the
/// baselines and the oracle stand alone. Lower and further left is better. Labels that would cover each other are moved
/// (<see cref="LabelPlacement"/>), vmorph's first.
/// </summary>
public static class FrontierPlotter
{
    /// <summary>The image width, pixels.</summary>
    public const int WidthPixels = 1600;

    /// <summary>The image height, pixels.</summary>
    public const int HeightPixels = 760;

    private static readonly Color VmorphColor = new(31, 119, 180);
    private static readonly Color BaselineColor = new(255, 127, 14);
    private static readonly Color ReferenceColor = Colors.Gray;
    private static readonly Color OracleColor = new(44, 160, 44);

    /// <summary>Draws the model into a PNG file.</summary>
    public static void Render(FrontierPlotModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var left = new Plot();
        var right = new Plot();
        var multiplot = new Multiplot();
        multiplot.Reset(left);
        multiplot.AddPlot(right);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        var zero = model.ZeroAt;
        var top = model.Points.Select(p => p.Cores).DefaultIfEmpty(1).Max() * 1.08;
        var leftLabels = Panel(left, model, zero, top, p => p.ShortSteps, "CPU short: share of steps where use exceeded the allocation (log)", model.Header);
        var rightLabels = Panel(right, model, zero, top, p => p.Unserved, "CPU unserved: share of demand above the allocation (log)", "lower and further left is better");
        // Drawn once to learn where the labels fall, then again with them moved off each other and off the markers.
        using (var surface = SkiaSharp.SKSurface.Create(new SkiaSharp.SKImageInfo(WidthPixels, HeightPixels)))
            multiplot.Render(surface.Canvas, new PixelRect(0, WidthPixels, HeightPixels, 0));
        Untangle(left, leftLabels);
        Untangle(right, rightLabels);
        multiplot.SavePng(path, WidthPixels, HeightPixels);
    }

    /// <summary>A point's label and marker, as drawn.</summary>
    private sealed record PointLabel(ScottPlot.Plottables.Text Label, Coordinates At, float MarkerSize, int Priority);

    private static void Untangle(Plot plot, List<PointLabel> labels)
    {
        var ordered = labels.OrderBy(l => l.Priority).ToList();
        LabelBox Marker(PointLabel l)
        {
            var pixel = plot.GetPixel(l.At);
            return new LabelBox(pixel.X - l.MarkerSize / 2, pixel.Y - l.MarkerSize / 2, l.MarkerSize, l.MarkerSize);
        }
        LabelBox Box(PointLabel l)
        {
            var r = l.Label.LabelLastRenderPixelRect;
            return new LabelBox(r.Left, r.Top, r.Width, r.Height);
        }
        var offsets = LabelPlacement.Place([.. ordered.Select(Box)], [.. ordered.Select(Marker)]);
        for (var i = 0; i < ordered.Count; i++)
        {
            ordered[i].Label.LabelOffsetX += offsets[i].Dx;
            ordered[i].Label.LabelOffsetY += offsets[i].Dy;
        }
    }

    private static List<PointLabel> Panel(Plot plot, FrontierPlotModel model, double zero, double top, Func<FrontierPoint, double> share, string xLabel, string title)
    {
        var labels = new List<PointLabel>();
        double X(FrontierPoint p) => Math.Log10(Math.Max(share(p), zero));
        plot.Title(title, size: 13);
        plot.Axes.Left.Label.Text = "mean CPU allocated per VM (cores)";
        plot.Axes.Bottom.Label.Text = xLabel;

        // Lines first, points and labels over them.
        foreach (var group in model.Points.Where(p => p.Kind == PolicyInfo.Reference).GroupBy(p => p.Policy[..p.Policy.LastIndexOf('-')]))
            Line(plot, [.. group], X, ReferenceColor.WithAlpha(0.5), 1, "");
        var vmorph = model.Points.Where(p => p.Kind == PolicyInfo.Vmorph).OrderBy(p => p.Cores).ToList();
        if (vmorph.Count > 1) Line(plot, vmorph, X, VmorphColor, 2, "");

        foreach (var point in model.Points)
        {
            var (color, shape, size) = point.Kind switch
            {
                PolicyInfo.Vmorph => (VmorphColor, MarkerShape.FilledCircle, 11f),
                PolicyInfo.Baseline => (BaselineColor, MarkerShape.FilledSquare, 10f),
                PolicyInfo.Reference => (ReferenceColor, MarkerShape.FilledTriangleUp, 7f),
                _ => (OracleColor, MarkerShape.FilledDiamond, 12f),
            };
            var marker = plot.Add.Marker(X(point), point.Cores, shape, size, color);
            marker.LegendText = "";
            var label = plot.Add.Text(point.Policy, X(point), point.Cores);
            label.LabelFontSize = point.Kind == PolicyInfo.Reference ? 10 : 12;
            label.LabelFontColor = point.Kind == PolicyInfo.Reference ? Colors.DimGray : color;
            label.LabelBold = point.Kind == PolicyInfo.Vmorph;
            label.LabelOffsetX = 6;
            label.LabelOffsetY = -6;
            labels.Add(new PointLabel(label, new Coordinates(X(point), point.Cores), size, point.Kind switch
            {
                PolicyInfo.Vmorph => 0,
                PolicyInfo.Baseline => 1,
                PolicyInfo.Reference => 3,
                _ => 2,
            }));
        }
        Legend(plot);

        var minX = Math.Log10(zero);
        var maxX = Math.Ceiling(Math.Log10(model.Points.Select(share).Where(v => v > 0).DefaultIfEmpty(0.01).Max()) + 0.3);
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        ticks.AddMajor(minX, "0");
        for (var decade = minX + 1; decade <= maxX + 1e-9; decade++) ticks.AddMajor(decade, FrontierPlotModel.ShareLabel(Math.Pow(10, decade)));
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.SetLimits(minX - 0.2, maxX + 0.4, 0, top);
        return labels;
    }

    private static void Line(Plot plot, IReadOnlyList<FrontierPoint> points, Func<FrontierPoint, double> x, Color color, float width, string legend)
    {
        var line = plot.Add.Scatter(points.Select(x).ToArray(), points.Select(p => p.Cores).ToArray());
        line.Color = color;
        line.LineWidth = width;
        line.MarkerSize = 0;
        line.LegendText = legend;
    }

    private static void Legend(Plot plot)
    {
        foreach (var (text, color, shape) in new[]
        {
            ("vmorph presets", VmorphColor, MarkerShape.FilledCircle),
            ("baselines", BaselineColor, MarkerShape.FilledSquare),
            ("reference rules: peak of the last W x h", ReferenceColor, MarkerShape.FilledTriangleUp),
            ("oracle (knows the future)", OracleColor, MarkerShape.FilledDiamond),
        })
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = text, MarkerShape = shape, MarkerFillColor = color, MarkerLineColor = color, MarkerSize = 10, LineWidth = 0 });
        }
        plot.Legend.Alignment = Alignment.LowerRight;
        plot.ShowLegend();
    }
}
