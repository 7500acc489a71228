using System.Globalization;
using Vmorph.Simulation.Replay;

namespace Vmorph.Simulation.Output;

/// <summary>
/// Decides what a plot shows (<see cref="AllocationPlotModel"/>) from the allocations kept by a replay: pure, so that
/// the scale, the shortfall spans and the tick labels are tested without drawing anything.
/// </summary>
public static class AllocationPlotModelBuilder
{
    /// <summary>The top of the y-axis is the highest usage times this.</summary>
    public const double HeadroomFactor = 1.25;

    /// <summary>At most this many labelled ticks on the time axis.</summary>
    public const int MaxTicks = 12;

    private const double MiBPerGiB = 1024;

    // How close below the top of the y-axis a line is hidden by the frame (a share of the axis).
    private const double TopEdgeTolerance = 0.005;

    // Tick intervals to choose from, shortest first; the first that gives at most MaxTicks ticks is used.
    private static readonly TimeSpan[] TickIntervals =
    [
        TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1),
        TimeSpan.FromHours(2), TimeSpan.FromHours(3), TimeSpan.FromHours(6), TimeSpan.FromHours(12),
        TimeSpan.FromDays(1), TimeSpan.FromDays(2), TimeSpan.FromDays(3), TimeSpan.FromDays(7), TimeSpan.FromDays(14),
        TimeSpan.FromDays(28), TimeSpan.FromDays(56), TimeSpan.FromDays(91), TimeSpan.FromDays(182), TimeSpan.FromDays(364),
    ];

    /// <summary>
    /// The plot of one VM's resource: one panel per policy of <paramref name="policies"/> (in that order; all of the
    /// tracks' policies, in track order, when empty). Every track must be of the same VM and series.
    /// </summary>
    /// <param name="tracks">The VM's allocation tracks, one per policy.</param>
    /// <param name="resource">CPU or memory.</param>
    /// <param name="policies">The policies to show; a name with no track is skipped.</param>
    /// <param name="caption">What produced the tracks, for the header (e.g. <c>what-if replay (vmorph simulate)</c>).</param>
    public static AllocationPlotModel Build(IReadOnlyList<AllocationTrack> tracks, PlotResource resource, IReadOnlyList<string> policies, string caption)
    {
        ArgumentOutOfRangeException.ThrowIfZero(tracks.Count);
        var series = tracks[0].Series;
        if (tracks.Any(t => !ReferenceEquals(t.Series, series) && t.Series.Vm != series.Vm))
            throw new ArgumentException("every track of a plot must be of the same VM", nameof(tracks));
        var cpu = resource == PlotResource.Cpu;
        var scale = cpu ? 1 : 1 / MiBPerGiB;
        var unit = cpu ? "cores" : "GiB";
        var usage = (cpu ? series.Cores : series.MemoryMiB).Select(v => v * scale).ToArray();
        var chosen = policies.Count == 0
            ? tracks
            : [.. policies.Select(p => tracks.FirstOrDefault(t => t.Policy == p)).OfType<AllocationTrack>()];

        var allocations = chosen.Select(t => t.Allocations.Select(a => (cpu ? a.Cores : a.MemoryMiB) * scale).ToArray()).ToList();
        var yMax = ScaleTop(usage, allocations);
        var from = series.Length > 0 ? series.UnixSeconds[0] : 0;
        var until = series.Length > 0 ? series.UnixSeconds[^1] + (long)series.Step().TotalSeconds : 0;

        var panels = new List<PlotPanel>(chosen.Count);
        for (var k = 0; k < chosen.Count; k++)
        {
            var allocation = allocations[k];
            var (slack, shortShare) = Score(usage, allocation);
            var shortfalls = Shortfalls(series.UnixSeconds, usage, allocation, (long)series.Step().TotalSeconds);
            var maxAllocation = allocation.Where(double.IsFinite).DefaultIfEmpty(0).Max();
            // A line within a hair of the top is hidden under the frame: say where it is, as for one above the top.
            var above = maxAllocation > yMax;
            var atTop = !above && maxAllocation >= yMax * (1 - TopEdgeTolerance);
            var note = above ? "above the scale" : atTop ? "at the top of the scale" : null;
            panels.Add(new PlotPanel(chosen[k].Policy, PanelTitle(chosen[k].Policy, slack, shortShare, shortfalls.Count, note is null ? null : (maxAllocation, note), unit),
                allocation, shortfalls, slack, shortShare, maxAllocation, above));
        }
        var header = string.Create(CultureInfo.InvariantCulture,
            $"{series.Vm}: {(cpu ? "CPU" : "memory")} usage and allocation, {TickLabel(from)} to {TickLabel(until)} UTC — {caption}");
        return new AllocationPlotModel(series.Vm.Value, resource, unit, header, series.UnixSeconds, usage, from, until, 0, yMax, Ticks(from, until), panels);
    }

    /// <summary>
    /// The top of the y-axis: the highest usage × <see cref="HeadroomFactor"/>, so that usage fills the panel and a
    /// large allocation (a static 8 cores over a 1-core load) is clipped rather than flattening everything else. With no
    /// usage above zero, the highest allocation sets it instead (or 1).
    /// </summary>
    public static double ScaleTop(IReadOnlyList<double> usage, IReadOnlyList<IReadOnlyList<double>> allocations)
    {
        var maxUsage = usage.Where(double.IsFinite).DefaultIfEmpty(0).Max();
        if (maxUsage > 0) return maxUsage * HeadroomFactor;
        var maxAllocation = allocations.SelectMany(a => a).Where(double.IsFinite).DefaultIfEmpty(0).Max();
        return maxAllocation > 0 ? maxAllocation * HeadroomFactor : 1;
    }

    /// <summary>
    /// The runs of steps at which the usage exceeded the allocation (the definition of a shortfall step in the scores),
    /// steps without a measurement ending a run.
    /// </summary>
    /// <param name="unixSeconds">Step start times.</param>
    /// <param name="usage">Usage per step (NaN where not measured).</param>
    /// <param name="allocation">Allocation in force per step.</param>
    /// <param name="stepSeconds">The length of the last step (its end is not in the series).</param>
    public static IReadOnlyList<ShortfallSpan> Shortfalls(IReadOnlyList<long> unixSeconds, IReadOnlyList<double> usage, IReadOnlyList<double> allocation, long stepSeconds)
    {
        var spans = new List<ShortfallSpan>();
        var start = -1;
        for (var i = 0; i <= unixSeconds.Count; i++)
        {
            var isShort = i < unixSeconds.Count && usage[i] > allocation[i];
            if (isShort && start < 0) start = i;
            if (!isShort && start >= 0)
            {
                var until = i < unixSeconds.Count ? unixSeconds[i] : unixSeconds[i - 1] + stepSeconds;
                spans.Add(new ShortfallSpan(start, i - 1, unixSeconds[start], until));
                start = -1;
            }
        }
        return spans;
    }

    /// <summary>
    /// Labelled ticks between two times, at whole intervals of UTC (midnights for a day or more), at most
    /// <see cref="MaxTicks"/> of them.
    /// </summary>
    public static IReadOnlyList<PlotTick> Ticks(long fromUnixSeconds, long untilUnixSeconds)
    {
        if (untilUnixSeconds <= fromUnixSeconds) return [new PlotTick(fromUnixSeconds, TickLabel(fromUnixSeconds))];
        foreach (var interval in TickIntervals)
        {
            var seconds = (long)interval.TotalSeconds;
            // Whole days count from the first midnight, so weekly ticks fall on the series' own days, not on epoch weeks.
            var anchor = seconds >= 86_400 ? CeilingTo(fromUnixSeconds, 86_400) : CeilingTo(fromUnixSeconds, seconds);
            var count = anchor > untilUnixSeconds ? 0 : (untilUnixSeconds - anchor) / seconds + 1;
            if (count > MaxTicks) continue;
            var ticks = new List<PlotTick>();
            for (var t = anchor; t <= untilUnixSeconds; t += seconds) ticks.Add(new PlotTick(t, TickLabel(t)));
            return ticks;
        }
        return [new PlotTick(fromUnixSeconds, TickLabel(fromUnixSeconds)), new PlotTick(untilUnixSeconds, TickLabel(untilUnixSeconds))];
    }

    /// <summary>An ISO 8601 label in UTC: <c>2013-08-12</c> at midnight, else <c>2013-08-12 06:00</c>.</summary>
    public static string TickLabel(long unixSeconds)
    {
        var time = DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime;
        return time.TimeOfDay == TimeSpan.Zero
            ? time.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : time.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
    }

    /// <summary>Slack and the share of short steps over the steps with usage, as the replay's scores define them.</summary>
    public static (double Slack, double ShortStepShare) Score(IReadOnlyList<double> usage, IReadOnlyList<double> allocation)
    {
        double allocated = 0, slack = 0;
        long steps = 0, shortSteps = 0;
        for (var i = 0; i < usage.Count; i++)
        {
            if (double.IsNaN(usage[i]) || double.IsNaN(allocation[i])) continue;
            steps++;
            allocated += allocation[i];
            if (usage[i] > allocation[i]) shortSteps++;
            else slack += allocation[i] - usage[i];
        }
        return (allocated > 0 ? slack / allocated : 0, steps > 0 ? (double)shortSteps / steps : 0);
    }

    private static string PanelTitle(string policy, double slack, double shortShare, int spans, (double Top, string Where)? offTheTop, string unit)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{policy}: slack {slack * 100:0.0} %, short at {shortShare * 100:0.0##} % of steps ({spans} {(spans == 1 ? "span" : "spans")})");
        return offTheTop is { } top
            ? text + string.Create(CultureInfo.InvariantCulture, $"; allocation up to {top.Top:0.0#} {unit}, {top.Where}")
            : text;
    }

    private static long CeilingTo(long value, long multiple)
    {
        var remainder = ((value % multiple) + multiple) % multiple;
        return remainder == 0 ? value : value + multiple - remainder;
    }
}
