namespace Vmorph.Profiles;

/// <summary>
/// The bucket layout of a <see cref="DecayingHistogram"/>: log-linear, like HdrHistogram, with eight linear
/// sub-buckets per power of two above <see cref="Minimum"/> (relative width at most 12.5 %). The bucket of a value is
/// read off the bits of a double, with no logarithm, so folding stays fast.
/// </summary>
public sealed record HistogramScale
{
    private const int SubBucketBits = 3;
    private const int SubBuckets = 1 << SubBucketBits;

    /// <summary>Creates a scale covering [0, minimum × 2^octaves].</summary>
    public HistogramScale(double minimum, int octaves)
    {
        if (!(minimum > 0)) throw new ArgumentOutOfRangeException(nameof(minimum), minimum, "The smallest bucket bound must be positive.");
        if (octaves is < 1 or > 60) throw new ArgumentOutOfRangeException(nameof(octaves), octaves, "Octaves must be 1 to 60.");
        Minimum = minimum;
        Octaves = octaves;
        BucketCount = 1 + octaves * SubBuckets;
    }

    /// <summary>Values below this fall in bucket 0.</summary>
    public double Minimum { get; }

    /// <summary>Powers of two covered above <see cref="Minimum"/>.</summary>
    public int Octaves { get; }

    /// <summary>The number of buckets.</summary>
    public int BucketCount { get; }

    /// <summary>The largest value told apart; larger values go to the last bucket.</summary>
    public double Maximum => Minimum * Math.Pow(2, Octaves);

    /// <summary>The bucket a value falls in.</summary>
    public int BucketOf(double value)
    {
        var ratio = value / Minimum;
        if (!(ratio >= 1)) return 0;
        var bits = BitConverter.DoubleToInt64Bits(ratio);
        var exponent = (int)((bits >> 52) & 0x7FF) - 1023;
        var sub = (int)((bits >> (52 - SubBucketBits)) & (SubBuckets - 1));
        var index = 1 + exponent * SubBuckets + sub;
        return index < BucketCount ? index : BucketCount - 1;
    }

    /// <summary>The lowest value of a bucket.</summary>
    public double LowerBound(int bucket)
    {
        if (bucket == 0) return 0;
        var exponent = (bucket - 1) / SubBuckets;
        var sub = (bucket - 1) % SubBuckets;
        return Minimum * Math.Pow(2, exponent) * (1 + sub / (double)SubBuckets);
    }

    /// <summary>The value just above a bucket.</summary>
    public double UpperBound(int bucket) => bucket == 0 ? Minimum : LowerBound(bucket) + BucketWidth(bucket);

    private double BucketWidth(int bucket) => Minimum * Math.Pow(2, (bucket - 1) / SubBuckets) / SubBuckets;

    /// <summary>CPU in cores: 1/256 core to 512 cores.</summary>
    public static HistogramScale Cores { get; } = new(1.0 / 256, 17);

    /// <summary>Shares: 1/1024 to 1.</summary>
    public static HistogramScale Shares { get; } = new(1.0 / 1024, 10);

    /// <summary>Memory in bytes: 1 MiB to 4 TiB.</summary>
    public static HistogramScale MemoryBytes { get; } = new(1024.0 * 1024, 22);

    /// <summary>Throughput in bytes per second: 1 KiB/s to 16 GiB/s.</summary>
    public static HistogramScale Throughput { get; } = new(1024.0, 24);
}
