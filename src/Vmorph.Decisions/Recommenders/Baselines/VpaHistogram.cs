namespace Vmorph.Recommenders.Baselines;

/// <summary>
/// The Kubernetes VPA recommender's decaying histogram, as in <c>vertical-pod-autoscaler/pkg/recommender/util</c>
/// (<c>histogram.go</c>, <c>histogram_options.go</c>, <c>decaying_histogram.go</c>): exponential buckets (bucket n
/// starts at first·(ratio^n − 1)/(ratio − 1)), each sample weighted by 2^((t − reference)/half-life), the reference
/// moved forward when the exponent passes 100, a bucket lighter than epsilon counted as empty, and a percentile that
/// returns the END of the bucket where the cumulative weight reaches it (no interpolation).
/// </summary>
internal sealed class VpaHistogram
{
    private const int MaxDecayExponent = 100;
    private readonly double[] weights;
    private readonly double firstBucketSize;
    private readonly double ratio;
    private readonly double epsilon;
    private readonly double halfLifeSeconds;
    private readonly double linearBucketSize;
    private double totalWeight;
    private int minBucket;
    private int maxBucket;
    private long referenceUnixSeconds;

    /// <summary>Creates an empty histogram with linear buckets (<c>NewLinearHistogramOptions</c>, as VPA's own tests use).</summary>
    public static VpaHistogram Linear(double maxValue, double bucketSize, double epsilon, TimeSpan halfLife) => new(maxValue, bucketSize, epsilon, halfLife);

    private VpaHistogram(double maxValue, double bucketSize, double epsilon, TimeSpan halfLife)
    {
        linearBucketSize = bucketSize;
        this.epsilon = epsilon;
        halfLifeSeconds = halfLife.TotalSeconds;
        var count = (int)Math.Ceiling(maxValue / bucketSize) + 1;
        weights = new double[count];
        minBucket = count - 1;
        maxBucket = 0;
    }

    /// <summary>Creates an empty histogram (<c>NewExponentialHistogramOptions</c> + <c>NewDecayingHistogram</c>).</summary>
    public VpaHistogram(double maxValue, double firstBucketSize, double ratio, double epsilon, TimeSpan halfLife)
    {
        this.firstBucketSize = firstBucketSize;
        this.ratio = ratio;
        this.epsilon = epsilon;
        halfLifeSeconds = halfLife.TotalSeconds;
        var count = (int)Math.Ceiling(Math.Log(maxValue * (ratio - 1) / firstBucketSize + 1) / Math.Log(ratio)) + 1;
        weights = new double[count];
        minBucket = count - 1;
        maxBucket = 0;
    }

    /// <summary>The number of buckets.</summary>
    public int BucketCount => weights.Length;

    /// <summary>The total (decayed) weight.</summary>
    public double TotalWeight => totalWeight;

    /// <summary>Whether the histogram is empty (its first non-empty bucket is lighter than epsilon).</summary>
    public bool IsEmpty => weights[minBucket] < epsilon;

    /// <summary><c>FindBucket</c>.</summary>
    public int FindBucket(double value)
    {
        if (linearBucketSize > 0) return Math.Clamp((int)(value / linearBucketSize), 0, weights.Length - 1);
        if (value < firstBucketSize) return 0;
        var bucket = (int)(Math.Log(value * (ratio - 1) / firstBucketSize + 1) / Math.Log(ratio));
        return bucket >= weights.Length ? weights.Length - 1 : bucket;
    }

    /// <summary><c>GetBucketStart</c>.</summary>
    public double BucketStart(int bucket) =>
        linearBucketSize > 0 ? bucket * linearBucketSize
        : bucket == 0 ? 0 : firstBucketSize * (Math.Pow(ratio, bucket) - 1) / (ratio - 1);

    /// <summary>Adds a sample at a time with a weight (<c>decayingHistogram.AddSample</c>).</summary>
    public void Add(double value, double weight, long unixSeconds)
    {
        var w = weight * DecayFactor(unixSeconds);
        var bucket = FindBucket(value);
        weights[bucket] += w;
        totalWeight += w;
        if (bucket < minBucket && weights[bucket] >= epsilon) minBucket = bucket;
        if (bucket > maxBucket && weights[bucket] >= epsilon) maxBucket = bucket;
    }

    /// <summary>Removes a sample added before (<c>decayingHistogram.SubtractSample</c>).</summary>
    public void Subtract(double value, double weight, long unixSeconds)
    {
        var w = weight * DecayFactor(unixSeconds);
        var bucket = FindBucket(value);
        if (w > weights[bucket] - epsilon) w = weights[bucket];
        totalWeight -= w;
        weights[bucket] -= w;
        UpdateMinAndMax();
    }

    /// <summary><c>histogram.Percentile</c>: the end of the bucket where the cumulative weight reaches the share; 0 when empty.</summary>
    public double Percentile(double percentile)
    {
        if (IsEmpty) return 0;
        var partial = 0.0;
        var threshold = percentile * totalWeight;
        var bucket = minBucket;
        for (; bucket < maxBucket; bucket++)
        {
            partial += weights[bucket];
            if (partial >= threshold) break;
        }
        return bucket < weights.Length - 1 ? BucketStart(bucket + 1) : BucketStart(bucket);
    }

    private double DecayFactor(long unixSeconds)
    {
        var maxAllowed = referenceUnixSeconds + (long)(halfLifeSeconds * MaxDecayExponent);
        if (unixSeconds > maxAllowed) ShiftReference(unixSeconds);
        return Math.Pow(2, (unixSeconds - referenceUnixSeconds) / halfLifeSeconds);
    }

    private void ShiftReference(long unixSeconds)
    {
        // The reference stays an integer multiple of the half-life (time.Round(halfLife)).
        var newReference = (long)(Math.Round(unixSeconds / halfLifeSeconds) * halfLifeSeconds);
        var exponent = (int)Math.Floor((referenceUnixSeconds - newReference) / halfLifeSeconds + 0.5);
        var factor = Math.ScaleB(1.0, exponent);
        for (var b = minBucket; b <= maxBucket; b++) weights[b] *= factor;
        totalWeight *= factor;
        UpdateMinAndMax();
        referenceUnixSeconds = newReference;
    }

    private void UpdateMinAndMax()
    {
        var last = weights.Length - 1;
        while (weights[minBucket] < epsilon && minBucket < last) minBucket++;
        while (weights[maxBucket] < epsilon && maxBucket > 0) maxBucket--;
    }
}
