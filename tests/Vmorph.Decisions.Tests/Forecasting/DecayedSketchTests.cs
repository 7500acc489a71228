using Vmorph.Forecasting;
using Vmorph.Profiles;

namespace Vmorph.Decisions.Tests.Forecasting;

public class DecayedSketchTests
{
    [Fact]
    public void Sketch_HoldsOnlyTheRunOfBucketsItsValuesFallIn_AndAnswersAsTheWholeHistogram()
    {
        // The same decay as the sketch's (half-life 1 day), kept by hand on a whole histogram; 60 days of hourly peaks
        // between 0.30 and 0.45 of capacity, with a few outliers late, so both rescale (exponent past 40) and widen.
        const double halfLife = 86400;
        var sketch = new DecayedSketch(TimeSpan.FromSeconds(halfLife));
        var whole = new DecayingHistogram(DecayedSketch.Scale);
        var reference = 0L;
        var random = new Random(3);
        for (long t = 0; t < 60 * 86400L; t += 3600)
        {
            var value = t == 50 * 86400L ? 1.7 : t == 55 * 86400L ? 0.002 : 0.30 + 0.15 * random.NextDouble();
            sketch.Add(t, value);
            var exponent = (t - reference) / halfLife;
            if (exponent > 40)
            {
                var shift = Math.Floor(exponent);
                whole.Rescale(Math.Pow(2, -shift));
                reference += (long)(shift * halfLife);
                exponent -= shift;
            }
            whole.Add(value, Math.Pow(2, exponent));

            Assert.Equal(whole.TotalWeight, sketch.TotalWeight);
            foreach (var q in new[] { 0.0, 0.1, 0.5, 0.9, 0.99, 1.0 }) Assert.Equal(whole.Percentile(q)!.Value, sketch.Quantile(q));
        }
        for (var b = 0; b < DecayedSketch.Scale.BucketCount; b++) Assert.Equal(whole.Weights[b], sketch.Weight(b));
        // From bucket of 0.002 up to that of 1.7: 89 buckets would be held by a whole histogram.
        Assert.Equal(DecayedSketch.Scale.BucketOf(1.7) - DecayedSketch.Scale.BucketOf(0.002) + 1, sketch.BucketsHeld);
        Assert.True(sketch.BucketsHeld < DecayedSketch.Scale.BucketCount);
    }

    [Fact]
    public void Sketch_OfValuesInOneBand_HoldsAFewBuckets()
    {
        var sketch = new DecayedSketch(TimeSpan.FromDays(7));
        for (var i = 0; i < 500; i++) sketch.Add(i * 300L, 0.5 + 0.05 * (i % 3));

        Assert.Equal(DecayedSketch.Scale.BucketOf(0.6) - DecayedSketch.Scale.BucketOf(0.5) + 1, sketch.BucketsHeld);
        Assert.True(double.IsNaN(new DecayedSketch(TimeSpan.FromDays(1)).Quantile(0.5)));
    }
}
