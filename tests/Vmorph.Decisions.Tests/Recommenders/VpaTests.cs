using Vmorph.Recommenders;
using Vmorph.Recommenders.Baselines;

namespace Vmorph.Decisions.Tests.Recommenders;

/// <summary>Worked examples from kubernetes/autoscaler's own tests (util/histogram_test.go, decaying_histogram_test.go, logic/estimator_test.go) and from container.go.</summary>
public class VpaTests
{
    private static readonly long Start = 1234567890;

    [Fact]
    public void DecayingHistogram_PercentilesOfDecayingHistogramPercentilesTest()
    {
        // TestDecayingHistogramPercentiles: values and weights 1..4, one half-life apart.
        var h = VpaHistogram.Linear(10.0, 1.0, 1e-15, TimeSpan.FromHours(1));
        for (var i = 1; i <= 4; i++) h.Add(i, i, Start + (i - 1) * 3600L);
        Assert.Equal(2, h.Percentile(0.00), 12);
        Assert.Equal(2, h.Percentile(0.02), 12);
        Assert.Equal(3, h.Percentile(0.03), 12);
        Assert.Equal(3, h.Percentile(0.10), 12);
        Assert.Equal(4, h.Percentile(0.11), 12);
        Assert.Equal(4, h.Percentile(0.34), 12);
        Assert.Equal(5, h.Percentile(0.35), 12);
        Assert.Equal(5, h.Percentile(1.00), 12);
    }

    [Fact]
    public void DecayingHistogram_SimpleAndLongTermDecay()
    {
        // TestSimpleDecay: a sample of weight 1000 is outweighed 20 half-lives later by one of weight 1.
        var h = VpaHistogram.Linear(10.0, 1.0, 1e-15, TimeSpan.FromHours(1));
        h.Add(2, 1000, Start);
        h.Add(1, 1, Start + 20 * 3600L);
        Assert.Equal(2, h.Percentile(0.999), 12);
        Assert.Equal(3, h.Percentile(1.0), 12);
        // TestLongtermDecay: past 2^100 the reference moves and the old sample vanishes.
        var l = VpaHistogram.Linear(10.0, 1.0, 1e-15, TimeSpan.FromHours(1));
        l.Add(2, 1, Start);
        l.Add(1, 1, Start + 101 * 3600L);
        Assert.Equal(2, l.Percentile(1.0), 12);
    }

    [Fact]
    public void PercentileEstimator_ExponentialBucketsWithinFivePercent()
    {
        // TestPercentileEstimator: P20 of {1, 2, 3} cores is 1.0 and P50 of {1e9, 2e9, 3e9} bytes is 2e9, within 5 %.
        var cpu = new VpaHistogram(1000.0, 0.01, 1.05, 1e-4, TimeSpan.FromHours(24));
        var memory = new VpaHistogram(1e12, 1e7, 1.05, 1e-4, TimeSpan.FromHours(24));
        foreach (var v in new[] { 1.0, 2.0, 3.0 }) cpu.Add(v, 1.0, Start);
        foreach (var v in new[] { 1e9, 2e9, 3e9 }) memory.Add(v, 1.0, Start);
        Assert.InRange(cpu.Percentile(0.2), 1.0 * 0.95, 1.0 * 1.05);
        Assert.InRange(memory.Percentile(0.5), 2e9 * 0.95, 2e9 * 1.05);
    }

    [Fact]
    public void Recommender_TargetIsP90PlusFifteenPercent_AndTheUpdaterEvictsAnOversizedPod()
    {
        var vpa = new VpaRecommenderFactory().Create(VmContext.Of("vm", new Allocation(4, 4096)));
        var allocation = new Allocation(4, 4096);
        // Eight days of 1 core and 1000 MiB.
        for (var i = 0; i < 8 * 288; i++) vpa.Observe(new UsageSample(Start + i * 300L, 1.0, 1000, allocation));
        var next = vpa.Recommend(Start + 8 * 288 * 300L, allocation);
        // CPU: the end of 1.0's bucket (exponential buckets of 5 %) × 1.15; memory likewise from the daily peaks.
        Assert.InRange(next.Cores, 1.15, 1.15 * 1.05);
        Assert.InRange(next.MemoryMiB, 1000 * 1.15, 1000 * 1.15 * 1.05);
        // Within [lower, upper] and freshly started, the pod is left alone.
        Assert.Equal(next, vpa.Recommend(Start + 8 * 288 * 300L + 60, next));
    }

    [Fact]
    public void Recommender_OomBumpsMemoryByMaxOf100MiBAnd20Percent()
    {
        var vpa = new VpaRecommenderFactory().Create(VmContext.Of("vm", new Allocation(2, 900)));
        var allocation = new Allocation(2, 900);
        // The VM needs 1000 MiB but has 900: every step is an OOM. RecordOOM: used = max(900, 1000), needed =
        // max(1000 + 100, 1000 × 1.2) = 1200 MiB, the peak of the interval; the target is its P90 bucket end × 1.15.
        for (var i = 0; i < 288; i++) vpa.Observe(new UsageSample(Start + i * 300L, 1.0, 1000, allocation));
        var next = vpa.Recommend(Start + 288 * 300L, allocation);
        Assert.InRange(next.MemoryMiB, 1200 * 1.15, 1200 * 1.15 * 1.05 + 1);
    }
}
