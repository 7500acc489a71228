namespace Vmorph.Forecasting;

/// <summary>
/// A histogram with exponentially decaying weights over values normalised by a scale (the VM's capacity), on the
/// domain's log-linear buckets: the building block of the quantile forecasters.
/// </summary>
/// <remarks>
/// It holds the weights of the run of buckets from its lowest to its highest bucket with weight, not all 89: the
/// seasonal forecaster keeps 193 sketches per resource, each of one hour's peaks, which fall in a few buckets. The
/// weights, the total and every quantile are those of a <see cref="Profiles.DecayingHistogram"/> on the same scale fed the
/// same values (bucket by bucket the same float sums; the buckets outside the run are zero).
/// </remarks>
internal sealed class DecayedSketch
{
    /// <summary>Normalised values from 1/1024 to 2 of the capacity, 12.5 % wide buckets.</summary>
    public static readonly Profiles.HistogramScale Scale = new(1.0 / 1024, 11);

    private readonly double halfLifeSeconds;
    private long reference = long.MinValue;
    private float[] weights = [];
    private int first;

    public DecayedSketch(TimeSpan halfLife) => halfLifeSeconds = halfLife.TotalSeconds;

    /// <summary>The sum of all weights.</summary>
    public double TotalWeight { get; private set; }

    /// <summary>The buckets held (from the lowest to the highest with weight).</summary>
    public int BucketsHeld => weights.Length;

    /// <summary>The weight of a bucket of <see cref="Scale"/> (zero outside the run held).</summary>
    public float Weight(int bucket) => bucket >= first && bucket - first < weights.Length ? weights[bucket - first] : 0f;

    /// <summary>Adds a normalised value observed at a time.</summary>
    public void Add(long unixSeconds, double value)
    {
        if (double.IsNaN(value)) return;
        if (reference == long.MinValue) reference = unixSeconds;
        var exponent = (unixSeconds - reference) / halfLifeSeconds;
        if (exponent > 40)
        {
            var shift = Math.Floor(exponent);
            Rescale(Math.Pow(2, -shift));
            reference += (long)(shift * halfLifeSeconds);
            exponent -= shift;
        }
        var weight = Math.Pow(2, exponent);
        var bucket = Scale.BucketOf(value);
        Cover(bucket);
        weights[bucket - first] += (float)weight;
        TotalWeight += weight;
    }

    // Widens the run held to take in a bucket.
    private void Cover(int bucket)
    {
        if (weights.Length == 0)
        {
            weights = new float[1];
            first = bucket;
            return;
        }
        if (bucket >= first && bucket - first < weights.Length) return;
        var low = Math.Min(first, bucket);
        var high = Math.Max(first + weights.Length - 1, bucket);
        var wider = new float[high - low + 1];
        weights.CopyTo(wider, first - low);
        weights = wider;
        first = low;
    }

    // Multiplies every weight by a factor, as DecayingHistogram.Rescale does.
    private void Rescale(double factor)
    {
        var total = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(weights[i] * factor);
            total += weights[i];
        }
        TotalWeight = total;
    }

    /// <summary>Brings the weights to the decay reference of <paramref name="unixSeconds"/>, so that sketches fed at different times can be mixed.</summary>
    public double WeightAt(long unixSeconds) =>
        reference == long.MinValue ? 0 : TotalWeight * Math.Pow(2, -(unixSeconds - reference) / halfLifeSeconds);

    /// <summary>A quantile of the normalised values, or NaN when empty (as <see cref="Profiles.DecayingHistogram.Percentile"/>).</summary>
    public double Quantile(double q)
    {
        if (TotalWeight <= 0) return double.NaN;
        var target = Math.Clamp(q, 0, 1) * TotalWeight;
        var cumulative = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            var w = weights[i];
            if (w <= 0) continue;
            if (cumulative + w >= target)
            {
                var lower = Scale.LowerBound(first + i);
                return lower + (target - cumulative) / w * (Scale.UpperBound(first + i) - lower);
            }
            cumulative += w;
        }
        return Scale.UpperBound(Scale.BucketCount - 1);
    }

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
                if (factor[s] > 0) w += sketches[s]!.Weight(b) * factor[s];
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
