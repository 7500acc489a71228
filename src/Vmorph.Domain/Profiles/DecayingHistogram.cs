namespace Vmorph.Profiles;

/// <summary>
/// A histogram whose samples carry exponentially decaying weights, as the Kubernetes VPA recommender keeps them: a
/// sample's weight is 2^((t − reference) / half-life), so newer samples count more and the result does not depend on
/// the order samples arrive in. The owner passes the weight (computed once per sample for every metric) and rescales
/// all histograms together when weights grow large. Memory is bounded by the <see cref="HistogramScale"/>: only the run
/// of buckets from the lowest to the highest that has had weight is held (a VM's memory in use spans a few of the
/// scale's 177 buckets, its CPU a few dozen of 137), each the same float sum as in a whole array.
/// </summary>
public sealed class DecayingHistogram
{
    // The weights of the buckets from `first` on; empty before the first value.
    private float[] weights = [];
    private int first;

    /// <summary>Creates an empty histogram.</summary>
    public DecayingHistogram(HistogramScale scale)
    {
        Scale = scale;
    }

    internal DecayingHistogram(HistogramScale scale, float[] weights)
    {
        if (weights.Length != scale.BucketCount)
            throw new ArgumentException($"expected {scale.BucketCount} bucket weights, got {weights.Length}", nameof(weights));
        Scale = scale;
        var low = Array.FindIndex(weights, w => w != 0);
        if (low < 0) return;
        var high = Array.FindLastIndex(weights, w => w != 0);
        first = low;
        this.weights = weights[low..(high + 1)];
    }

    /// <summary>The bucket layout.</summary>
    public HistogramScale Scale { get; }

    /// <summary>The sum of all weights.</summary>
    public double TotalWeight { get; private set; }

    /// <summary>The weight of each bucket of the scale, a copy (zero outside the run held).</summary>
    public ReadOnlySpan<float> Weights => CopyWeights();

    /// <summary>The buckets held: the run from the lowest to the highest that has had weight.</summary>
    public int BucketsHeld => weights.Length;

    /// <summary>Whether nothing was added.</summary>
    public bool IsEmpty => TotalWeight <= 0;

    /// <summary>Adds a value with a weight.</summary>
    public void Add(double value, double weight)
    {
        // The slot first: widening the run replaces the array.
        var slot = Slot(Scale.BucketOf(value));
        weights[slot] += (float)weight;
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
                var lower = Scale.LowerBound(first + i);
                return lower + within * (Scale.UpperBound(first + i) - lower);
            }
            cumulative += w;
        }
        return Scale.UpperBound(Scale.BucketCount - 1);
    }

    /// <summary>The share of weight on values below <paramref name="value"/> (buckets straddling it count in proportion).</summary>
    public double ShareBelow(double value)
    {
        if (IsEmpty) return 0;
        var bucket = Scale.BucketOf(value);
        var below = 0.0;
        for (var i = first; i < bucket && i < first + weights.Length; i++) below += weights[i - first];
        var lower = Scale.LowerBound(bucket);
        var upper = Scale.UpperBound(bucket);
        if (upper > lower) below += WeightOf(bucket) * Math.Clamp((value - lower) / (upper - lower), 0, 1);
        return Math.Clamp(below / TotalWeight, 0, 1);
    }

    internal float[] CopyWeights()
    {
        var whole = new float[Scale.BucketCount];
        weights.CopyTo(whole, first);
        return whole;
    }

    private float WeightOf(int bucket) => bucket >= first && bucket < first + weights.Length ? weights[bucket - first] : 0f;

    // The index of a bucket in the run, which is widened to take it.
    private int Slot(int bucket)
    {
        if (weights.Length == 0)
        {
            first = bucket;
            weights = new float[1];
        }
        else if (bucket < first)
        {
            var wider = new float[first + weights.Length - bucket];
            weights.CopyTo(wider, first - bucket);
            weights = wider;
            first = bucket;
        }
        else if (bucket >= first + weights.Length)
        {
            Array.Resize(ref weights, bucket - first + 1);
        }
        return bucket - first;
    }

    internal void RestoreTotal() => TotalWeight = weights.Sum(w => (double)w);
}
