namespace Vmorph.Forecasting;

/// <summary>
/// A histogram with exponentially decaying weights over values normalised by a scale (the VM's capacity), on the
/// domain's log-linear buckets: the building block of the quantile forecasters.
/// </summary>
internal sealed class DecayedSketch
{
    /// <summary>Normalised values from 1/1024 to 2 of the capacity, 12.5 % wide buckets.</summary>
    public static readonly Profiles.HistogramScale Scale = new(1.0 / 1024, 11);

    private readonly Profiles.DecayingHistogram histogram = new(Scale);
    private readonly double halfLifeSeconds;
    private long reference = long.MinValue;

    public DecayedSketch(TimeSpan halfLife) => halfLifeSeconds = halfLife.TotalSeconds;

    public Profiles.DecayingHistogram Histogram => histogram;

    public double TotalWeight => histogram.TotalWeight;

    /// <summary>Adds a normalised value observed at a time.</summary>
    public void Add(long unixSeconds, double value)
    {
        if (double.IsNaN(value)) return;
        if (reference == long.MinValue) reference = unixSeconds;
        var exponent = (unixSeconds - reference) / halfLifeSeconds;
        if (exponent > 40)
        {
            var shift = Math.Floor(exponent);
            histogram.Rescale(Math.Pow(2, -shift));
            reference += (long)(shift * halfLifeSeconds);
            exponent -= shift;
        }
        histogram.Add(value, Math.Pow(2, exponent));
    }

    /// <summary>Brings the weights to the decay reference of <paramref name="unixSeconds"/>, so that sketches fed at different times can be mixed.</summary>
    public double WeightAt(long unixSeconds) =>
        reference == long.MinValue ? 0 : histogram.TotalWeight * Math.Pow(2, -(unixSeconds - reference) / halfLifeSeconds);

    /// <summary>A quantile of the normalised values, or NaN when empty.</summary>
    public double Quantile(double q) => histogram.Percentile(q) ?? double.NaN;

    /// <summary>
    /// A quantile of a mixture of sketches, each counted with a share of the mixture (its own weights normalised to
    /// one first); sketches without weight are left out and the shares renormalised. NaN if all are empty.
    /// </summary>
    public static double MixtureQuantile(ReadOnlySpan<DecayedSketch?> sketches, ReadOnlySpan<double> shares, double q)
    {
        Span<double> factor = stackalloc double[sketches.Length];
        var totalShare = 0.0;
        for (var s = 0; s < sketches.Length; s++)
        {
            var sketch = sketches[s];
            if (sketch is null || !(sketch.TotalWeight > 0)) continue;
            factor[s] = shares[s] / sketch.TotalWeight;
            totalShare += shares[s];
        }
        if (totalShare <= 0) return double.NaN;
        var target = Math.Clamp(q, 0, 1) * totalShare;
        var cumulative = 0.0;
        var buckets = Scale.BucketCount;
        for (var b = 0; b < buckets; b++)
        {
            var w = 0.0;
            for (var s = 0; s < sketches.Length; s++)
                if (factor[s] > 0) w += sketches[s]!.Histogram.Weights[b] * factor[s];
            if (w <= 0) continue;
            if (cumulative + w >= target)
            {
                var lower = Scale.LowerBound(b);
                return lower + (target - cumulative) / w * (Scale.UpperBound(b) - lower);
            }
            cumulative += w;
        }
        return Scale.UpperBound(buckets - 1);
    }
}
