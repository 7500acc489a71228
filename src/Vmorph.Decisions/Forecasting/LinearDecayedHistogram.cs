namespace Vmorph.Forecasting;

/// <summary>A histogram of values in [min, max] with equal buckets and exponentially decaying weights: forecast residuals.</summary>
internal sealed class LinearDecayedHistogram
{
    private readonly double min;
    private readonly double width;
    private readonly double[] weights;
    private readonly double halfLifeSeconds;
    private long reference = long.MinValue;

    public LinearDecayedHistogram(double min, double max, int buckets, TimeSpan halfLife)
    {
        this.min = min;
        width = (max - min) / buckets;
        weights = new double[buckets];
        halfLifeSeconds = halfLife.TotalSeconds;
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
            for (var i = 0; i < weights.Length; i++) weights[i] *= factor;
            TotalWeight *= factor;
            reference += (long)(shift * halfLifeSeconds);
            exponent -= shift;
        }
        var w = Math.Pow(2, exponent);
        var bucket = Math.Clamp((int)Math.Floor((value - min) / width), 0, weights.Length - 1);
        weights[bucket] += w;
        TotalWeight += w;
        Count++;
    }

    /// <summary>A quantile, interpolated within its bucket; NaN when empty.</summary>
    public double Quantile(double q)
    {
        if (!(TotalWeight > 0)) return double.NaN;
        var target = Math.Clamp(q, 0, 1) * TotalWeight;
        var cumulative = 0.0;
        for (var b = 0; b < weights.Length; b++)
        {
            var w = weights[b];
            if (w <= 0) continue;
            if (cumulative + w >= target) return min + (b + (target - cumulative) / w) * width;
            cumulative += w;
        }
        return min + weights.Length * width;
    }
}
