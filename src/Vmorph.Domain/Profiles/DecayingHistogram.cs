namespace Vmorph.Profiles;

/// <summary>
/// A histogram whose samples carry exponentially decaying weights, as the Kubernetes VPA recommender keeps them: a
/// sample's weight is 2^((t − reference) / half-life), so newer samples count more and the result does not depend on
/// the order samples arrive in. The owner passes the weight (computed once per sample for every metric) and rescales
/// all histograms together when weights grow large. Memory is fixed by the <see cref="HistogramScale"/>.
/// </summary>
public sealed class DecayingHistogram
{
    private readonly float[] weights;

    /// <summary>Creates an empty histogram.</summary>
    public DecayingHistogram(HistogramScale scale)
    {
        Scale = scale;
        weights = new float[scale.BucketCount];
    }

    internal DecayingHistogram(HistogramScale scale, float[] weights)
    {
        if (weights.Length != scale.BucketCount)
            throw new ArgumentException($"expected {scale.BucketCount} bucket weights, got {weights.Length}", nameof(weights));
        Scale = scale;
        this.weights = weights;
    }

    /// <summary>The bucket layout.</summary>
    public HistogramScale Scale { get; }

    /// <summary>The sum of all weights.</summary>
    public double TotalWeight { get; private set; }

    /// <summary>The weight of each bucket (read-only view).</summary>
    public ReadOnlySpan<float> Weights => weights;

    /// <summary>Whether nothing was added.</summary>
    public bool IsEmpty => TotalWeight <= 0;

    /// <summary>Adds a value with a weight.</summary>
    public void Add(double value, double weight)
    {
        weights[Scale.BucketOf(value)] += (float)weight;
        TotalWeight += weight;
    }

    /// <summary>Multiplies every weight by a factor (decay rescaling).</summary>
    public void Rescale(double factor)
    {
        var total = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(weights[i] * factor);
            total += weights[i];
        }
        TotalWeight = total;
    }

    /// <summary>
    /// The value below which a share <paramref name="quantile"/> of the weight lies, interpolated linearly within its
    /// bucket; null when empty.
    /// </summary>
    public double? Percentile(double quantile)
    {
        if (IsEmpty) return null;
        quantile = Math.Clamp(quantile, 0, 1);
        var target = quantile * TotalWeight;
        var cumulative = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            var w = weights[i];
            if (w <= 0) continue;
            if (cumulative + w >= target)
            {
                var within = (target - cumulative) / w;
                var lower = Scale.LowerBound(i);
                return lower + within * (Scale.UpperBound(i) - lower);
            }
            cumulative += w;
        }
        return Scale.UpperBound(weights.Length - 1);
    }

    /// <summary>The share of weight on values below <paramref name="value"/> (buckets straddling it count in proportion).</summary>
    public double ShareBelow(double value)
    {
        if (IsEmpty) return 0;
        var bucket = Scale.BucketOf(value);
        var below = 0.0;
        for (var i = 0; i < bucket; i++) below += weights[i];
        var lower = Scale.LowerBound(bucket);
        var upper = Scale.UpperBound(bucket);
        if (upper > lower) below += weights[bucket] * Math.Clamp((value - lower) / (upper - lower), 0, 1);
        return Math.Clamp(below / TotalWeight, 0, 1);
    }

    internal float[] CopyWeights() => (float[])weights.Clone();

    internal void RestoreTotal() => TotalWeight = weights.Sum(w => (double)w);
}
