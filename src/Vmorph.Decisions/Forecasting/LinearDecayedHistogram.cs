namespace Vmorph.Forecasting;

/// <summary>
/// A histogram of values in [min, max] with equal buckets and exponentially decaying weights: forecast residuals. It
/// holds only the buckets it has been given a value in, as (bucket, weight) entries in bucket order (a VM's residuals
/// fall in a few dozen of the 300 buckets): the same weights, total and quantiles as the whole array.
/// </summary>
internal sealed class LinearDecayedHistogram
{
    private readonly double min;
    private readonly double width;
    private readonly int bucketCount;
    private readonly double halfLifeSeconds;
    private short[] buckets = new short[4];
    private double[] weights = new double[4];
    private int held;
    private long reference = long.MinValue;

    public LinearDecayedHistogram(double min, double max, int buckets, TimeSpan halfLife)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(buckets, short.MaxValue);
        this.min = min;
        width = (max - min) / buckets;
        bucketCount = buckets;
        halfLifeSeconds = halfLife.TotalSeconds;
    }

    /// <summary>The buckets it holds an entry for.</summary>
    public int BucketsHeld => held;

    /// <summary>The weight of a bucket (zero without an entry).</summary>
    public double Weight(int bucket)
    {
        var at = Array.BinarySearch(buckets, 0, held, (short)bucket);
        return at >= 0 ? weights[at] : 0;
    }

    public double TotalWeight { get; private set; }

    public long Count { get; private set; }

    public void Add(long unixSeconds, double value)
    {
        if (double.IsNaN(value)) return;
        if (reference == long.MinValue) reference = unixSeconds;
        var exponent = (unixSeconds - reference) / halfLifeSeconds;
        if (exponent > 40)
        {
            var shift = Math.Floor(exponent);
            var factor = Math.Pow(2, -shift);
            for (var i = 0; i < held; i++) weights[i] *= factor;
            TotalWeight *= factor;
            reference += (long)(shift * halfLifeSeconds);
            exponent -= shift;
        }
        var w = Math.Pow(2, exponent);
        var bucket = (short)Math.Clamp((int)Math.Floor((value - min) / width), 0, bucketCount - 1);
        var at = Array.BinarySearch(buckets, 0, held, bucket);
        if (at < 0)
        {
            at = ~at;
            if (held == buckets.Length)
            {
                // A quarter more room, not twice as much: a VM holds one for as long as it runs.
                Array.Resize(ref buckets, Math.Min(bucketCount, held + Math.Max(4, held / 4)));
                Array.Resize(ref weights, buckets.Length);
            }
            Array.Copy(buckets, at, buckets, at + 1, held - at);
            Array.Copy(weights, at, weights, at + 1, held - at);
            buckets[at] = bucket;
            weights[at] = 0;
            held++;
        }
        weights[at] += w;
        TotalWeight += w;
        Count++;
    }

    /// <summary>A quantile, interpolated within its bucket; NaN when empty.</summary>
    public double Quantile(double q)
    {
        if (!(TotalWeight > 0)) return double.NaN;
        var target = Math.Clamp(q, 0, 1) * TotalWeight;
        var cumulative = 0.0;
        for (var i = 0; i < held; i++)
        {
            var w = weights[i];
            if (w <= 0) continue;
            if (cumulative + w >= target) return min + (buckets[i] + (target - cumulative) / w) * width;
            cumulative += w;
        }
        return min + bucketCount * width;
    }
}
