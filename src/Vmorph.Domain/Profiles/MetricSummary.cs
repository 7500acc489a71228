using Vmorph.Observations;

namespace Vmorph.Profiles;

/// <summary>
/// Everything a profile keeps of one metric, in fixed memory whatever the length of the history: a decaying histogram,
/// the daily peaks of the last two weeks, an hour-of-week seasonal summary (for the metrics that have one), and
/// decayed moments for the mean and the coefficient of variation.
/// </summary>
public sealed class MetricSummary
{
    internal MetricSummary(Metric metric, DecayingHistogram histogram, DailyPeaks peaks, SeasonalSummary? seasonal)
    {
        Metric = metric;
        Histogram = histogram;
        Peaks = peaks;
        Seasonal = seasonal;
    }

    /// <summary>Creates an empty summary for a metric.</summary>
    public MetricSummary(Metric metric)
        : this(metric, new DecayingHistogram(ScaleOf(metric)), new DailyPeaks(), HasSeasonal(metric) ? new SeasonalSummary() : null)
    {
    }

    // A summary whose hour-of-week shape is given (one borrowing another's weights).
    internal MetricSummary(Metric metric, SeasonalSummary seasonal)
        : this(metric, new DecayingHistogram(ScaleOf(metric)), new DailyPeaks(), seasonal)
    {
    }

    /// <summary>The metric summarised.</summary>
    public Metric Metric { get; }

    /// <summary>The decaying distribution of values.</summary>
    public DecayingHistogram Histogram { get; }

    /// <summary>The highest value of each recent day.</summary>
    public DailyPeaks Peaks { get; }

    /// <summary>The hour-of-week shape, for the metrics that keep one (CPU and memory).</summary>
    public SeasonalSummary? Seasonal { get; }

    /// <summary>Samples folded (not decayed).</summary>
    public long Count { get; internal set; }

    /// <summary>The smallest value seen.</summary>
    public double Minimum { get; internal set; } = double.PositiveInfinity;

    /// <summary>The largest value seen.</summary>
    public double Maximum { get; internal set; } = double.NegativeInfinity;

    /// <summary>The value of the latest sample.</summary>
    public double Latest { get; internal set; }

    /// <summary>When the latest sample was taken.</summary>
    public long LatestUnixSeconds { get; internal set; } = long.MinValue;

    internal double WeightedSum { get; set; }

    internal double WeightedSumOfSquares { get; set; }

    /// <summary>The decayed mean.</summary>
    public double? Mean => Histogram.TotalWeight > 0 ? WeightedSum / Histogram.TotalWeight : null;

    /// <summary>The decayed coefficient of variation (standard deviation over mean), a measure of burstiness.</summary>
    public double? CoefficientOfVariation
    {
        get
        {
            var total = Histogram.TotalWeight;
            if (total <= 0) return null;
            var mean = WeightedSum / total;
            if (mean <= 0) return 0;
            var variance = Math.Max(0, WeightedSumOfSquares / total - mean * mean);
            return Math.Sqrt(variance) / mean;
        }
    }

    /// <summary>A percentile of the decayed distribution.</summary>
    public double? Percentile(double quantile) => Histogram.Percentile(quantile);

    internal void Add(long unixSeconds, int day, int hourOfWeek, double value, double weight)
    {
        Histogram.Add(value, weight);
        Peaks.Add(day, value);
        Seasonal?.Add(hourOfWeek, value, weight);
        WeightedSum += value * weight;
        WeightedSumOfSquares += value * value * weight;
        Count++;
        if (value < Minimum) Minimum = value;
        if (value > Maximum) Maximum = value;
        if (unixSeconds >= LatestUnixSeconds)
        {
            LatestUnixSeconds = unixSeconds;
            Latest = value;
        }
    }

    internal void Rescale(double factor)
    {
        Histogram.Rescale(factor);
        Seasonal?.Rescale(factor);
        WeightedSum *= factor;
        WeightedSumOfSquares *= factor;
    }

    /// <summary>The bucket layout used for a metric.</summary>
    public static HistogramScale ScaleOf(Metric metric) => metric switch
    {
        Metric.Cpu => HistogramScale.Cores,
        Metric.CpuUtilisation or Metric.MemoryUtilisation => HistogramScale.Shares,
        Metric.Memory => HistogramScale.MemoryBytes,
        _ => HistogramScale.Throughput,
    };

    /// <summary>
    /// Whether a metric keeps an hour-of-week summary: CPU and memory utilisation. The shape of a week does not depend on
    /// the unit, and keeping it for two metrics rather than four holds a profile under 16 KiB.
    /// </summary>
    public static bool HasSeasonal(Metric metric) => metric is Metric.CpuUtilisation or Metric.MemoryUtilisation;
}
