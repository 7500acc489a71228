using Vmorph.Forecasting;

namespace Vmorph.Decisions.Tests.Forecasting;

public class LinearDecayedHistogramTests
{
    [Fact]
    public void Histogram_HoldingOnlyItsBucketsWithValues_AnswersAsTheWholeArray_ThroughRescalesAndClamping()
    {
        // Residuals around zero, a few far out (clamped to the end buckets), a month of 5-minute steps with a half-life
        // of a day (the weights rescale past an exponent of 40): the reference keeps all 300 buckets in an array, as
        // the class did before.
        const int count = 300;
        const double min = -1.5;
        const double width = 3.0 / count;
        var halfLife = TimeSpan.FromDays(1).TotalSeconds;
        var sparse = new LinearDecayedHistogram(min, 1.5, count, TimeSpan.FromDays(1));
        var whole = new double[count];
        var total = 0.0;
        long reference = long.MinValue;
        var random = new Random(17);
        for (var i = 0; i < 30 * 288; i++)
        {
            var t = 1_700_000_000L + i * 300L;
            var value = i % 500 == 0 ? 4.0 : i % 777 == 0 ? -9.0 : i % 61 == 0 ? double.NaN : 0.2 * (random.NextDouble() + random.NextDouble() - 1);
            sparse.Add(t, value);
            if (!double.IsNaN(value))
            {
                if (reference == long.MinValue) reference = t;
                var exponent = (t - reference) / halfLife;
                if (exponent > 40)
                {
                    var shift = Math.Floor(exponent);
                    var factor = Math.Pow(2, -shift);
                    for (var b = 0; b < count; b++) whole[b] *= factor;
                    total *= factor;
                    reference += (long)(shift * halfLife);
                    exponent -= shift;
                }
                var w = Math.Pow(2, exponent);
                whole[Math.Clamp((int)Math.Floor((value - min) / width), 0, count - 1)] += w;
                total += w;
            }
            if (i % 97 != 0) continue;
            Assert.Equal(total, sparse.TotalWeight);
            foreach (var q in new[] { 0.0, 0.05, 0.5, 0.9, 0.99, 1.0 }) Assert.Equal(Quantile(q), sparse.Quantile(q));
        }
        for (var b = 0; b < count; b++) Assert.Equal(whole[b], sparse.Weight(b));
        var used = whole.Count(w => w > 0);
        Assert.Equal(used, sparse.BucketsHeld);
        Assert.True(used < count / 3, $"{used} buckets");

        double Quantile(double q)
        {
            var target = q * total;
            var cumulative = 0.0;
            for (var b = 0; b < count; b++)
            {
                var w = whole[b];
                if (w <= 0) continue;
                if (cumulative + w >= target) return min + (b + (target - cumulative) / w) * width;
                cumulative += w;
            }
            return min + count * width;
        }
    }
}
