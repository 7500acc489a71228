using CsCheck;
using Vmorph.Profiles;

namespace Vmorph.Domain.Tests.Profiles;

public class HistogramTests
{
    [Fact]
    public void BucketOf_AnyValueInRange_LiesWithinItsBucketBounds()
    {
        var scale = HistogramScale.Throughput;
        Gen.Double[scale.Minimum, scale.Maximum * 0.999].Sample(v =>
        {
            var b = scale.BucketOf(v);
            return scale.LowerBound(b) <= v * (1 + 1e-12) && v < scale.UpperBound(b) * (1 + 1e-12);
        });
    }

    [Fact]
    public void BucketOf_BelowMinimumAndAboveMaximum_ClampsToEnds()
    {
        var scale = HistogramScale.Shares;
        Assert.Equal(0, scale.BucketOf(0));
        Assert.Equal(0, scale.BucketOf(scale.Minimum / 2));
        Assert.Equal(scale.BucketCount - 1, scale.BucketOf(scale.Maximum * 10));
    }

    [Fact]
    public void Percentile_UniformValues_IsWithinBucketWidthOfExact()
    {
        var histogram = new DecayingHistogram(HistogramScale.Cores);
        var random = new Random(7);
        var values = Enumerable.Range(0, 10_000).Select(_ => 0.1 + 3.9 * random.NextDouble()).ToArray();
        foreach (var v in values) histogram.Add(v, 1);
        Array.Sort(values);
        foreach (var q in new[] { 0.5, 0.9, 0.95, 0.99 })
        {
            var exact = values[(int)(q * (values.Length - 1))];
            var estimate = histogram.Percentile(q)!.Value;
            Assert.InRange(estimate, exact * 0.875, exact * 1.125);
        }
    }

    [Fact]
    public void Percentile_NewerHeavierSamples_DominateAfterHalfLives()
    {
        var metrics = new PerformanceMetrics(TimeSpan.FromHours(1));
        var start = Samples.Monday;
        for (var i = 0; i < 60; i++) metrics.Fold(new Observations.MetricSample(start.AddMinutes(i), cpuUtilisation: new Units.Fraction(0.1)));
        // Ten half-lives later the old samples weigh 1/1024 as much: the median follows the new level.
        for (var i = 0; i < 60; i++) metrics.Fold(new Observations.MetricSample(start.AddHours(10).AddMinutes(i), cpuUtilisation: new Units.Fraction(0.8)));
        var median = metrics[Observations.Metric.CpuUtilisation]!.Percentile(0.5)!.Value;
        Assert.InRange(median, 0.7, 0.9);
    }

    [Fact]
    public void Fold_AcrossManyHalfLives_RescalesWithoutOverflow()
    {
        var metrics = new PerformanceMetrics(TimeSpan.FromMinutes(5));
        foreach (var s in Samples.Series(30, Samples.Noise(0.2, 0.4))) metrics.Fold(s);
        var summary = metrics[Observations.Metric.CpuUtilisation]!;
        Assert.True(double.IsFinite(summary.Histogram.TotalWeight) && summary.Histogram.TotalWeight > 0);
        Assert.InRange(summary.Percentile(0.5)!.Value, 0.2, 0.4);
        Assert.InRange(summary.Mean!.Value, 0.2, 0.4);
    }

    [Fact]
    public void AHistogramHoldingTheRunOfItsBuckets_AnswersAsTheWholeArray_BucketByBucket()
    {
        // The run widens down and up as values arrive out of order; every answer must be the double the whole array
        // of the scale's buckets gives (the same float sums, the same walk).
        var scale = HistogramScale.Cores;
        var histogram = new DecayingHistogram(scale);
        var whole = new float[scale.BucketCount];
        var total = 0.0;
        var random = new Random(3);
        for (var i = 0; i < 2000; i++)
        {
            var value = i < 500 ? 0.5 + random.NextDouble() : Math.Exp(random.NextDouble() * 6 - 5);
            var weight = Math.Pow(2, i / 300.0);
            histogram.Add(value, weight);
            whole[scale.BucketOf(value)] += (float)weight;
            total += weight;
            if (i % 400 == 399)
            {
                histogram.Rescale(0.25);
                for (var b = 0; b < whole.Length; b++) whole[b] = (float)(whole[b] * 0.25);
                total = whole.Sum(w => (double)w);
            }
            if (i % 97 != 0) continue;
            Assert.Equal(whole, histogram.Weights.ToArray());
            Assert.Equal(total, histogram.TotalWeight);
            foreach (var q in new[] { 0, 0.01, 0.5, 0.9, 0.99, 1 }) Assert.Equal(Percentile(whole, total, q), histogram.Percentile(q));
            foreach (var v in new[] { 0.001, 0.1, 0.7, 1.3, 9.0 }) Assert.Equal(ShareBelow(whole, total, v), histogram.ShareBelow(v));
        }
        Assert.True(histogram.BucketsHeld < scale.BucketCount);

        double Percentile(float[] weights, double sum, double q)
        {
            var target = q * sum;
            var cumulative = 0.0;
            for (var b = 0; b < weights.Length; b++)
            {
                if (weights[b] <= 0) continue;
                if (cumulative + weights[b] >= target)
                    return scale.LowerBound(b) + (target - cumulative) / weights[b] * (scale.UpperBound(b) - scale.LowerBound(b));
                cumulative += weights[b];
            }
            return scale.UpperBound(weights.Length - 1);
        }

        double ShareBelow(float[] weights, double sum, double value)
        {
            var bucket = scale.BucketOf(value);
            var below = 0.0;
            for (var b = 0; b < bucket; b++) below += weights[b];
            var lower = scale.LowerBound(bucket);
            var upper = scale.UpperBound(bucket);
            if (upper > lower) below += weights[bucket] * Math.Clamp((value - lower) / (upper - lower), 0, 1);
            return Math.Clamp(below / sum, 0, 1);
        }
    }
}
