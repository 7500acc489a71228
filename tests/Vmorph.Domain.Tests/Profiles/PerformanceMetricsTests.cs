using Vmorph.Observations;
using Vmorph.Profiles;
using Vmorph.Units;

namespace Vmorph.Domain.Tests.Profiles;

public class PerformanceMetricsTests
{
    [Fact]
    public void Metrics_SummarisingOnlyCpuAndMemory_KeepTheSameSummariesOfThem_AndNoneOfTheOthers()
    {
        // Nine days at a two-hour half-life, so the weights rescale on the way.
        var all = new PerformanceMetrics(TimeSpan.FromHours(2), keepsCycles: false);
        var some = new PerformanceMetrics(TimeSpan.FromHours(2), keepsCycles: false, only: [Metric.Cpu, Metric.Memory]);
        var random = new Random(21);
        var start = new DateTimeOffset(2024, 6, 3, 0, 0, 0, TimeSpan.Zero);
        for (var step = 0; step < 9 * 288; step++)
        {
            var sample = new MetricSample(start.AddMinutes(5 * step),
                cpu: new CpuCores(8 * random.NextDouble()), cpuAllocated: new CpuCores(8),
                memory: MemorySize.FromMiB(1000 + 3000 * random.NextDouble()), memoryAllocated: MemorySize.FromMiB(4096));
            all.Fold(sample);
            some.Fold(sample);
        }

        foreach (var metric in new[] { Metric.Cpu, Metric.Memory })
        {
            var expected = all[metric]!;
            var kept = some[metric]!;
            Assert.Equal(expected.Histogram.Weights.ToArray(), kept.Histogram.Weights.ToArray());
            Assert.Equal(expected.Histogram.TotalWeight, kept.Histogram.TotalWeight);
            Assert.Equal(expected.Peaks.Values(), kept.Peaks.Values());
            Assert.Equal(expected.Percentile(0.95), kept.Percentile(0.95));
        }
        Assert.NotNull(all[Metric.CpuUtilisation]?.Seasonal);
        Assert.NotNull(all[Metric.MemoryUtilisation]?.Seasonal);
        Assert.Equal([Metric.Cpu, Metric.Memory], some.Measured.Select(s => s.Metric));
        Assert.Equal(all.Samples, some.Samples);
        Assert.Equal(all.ReferenceUnixSeconds, some.ReferenceUnixSeconds);
    }
}
