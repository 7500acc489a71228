using Vmorph.Identity;
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

    [Theory]
    [InlineData(288, true)] // a restart a day: a sample with memory and no CPU rate, a few hours held apart
    [InlineData(7, false)] // memory missing from every seventh sample: too many hours apart, its own weights
    public void SeasonalShapes_OfBothUtilisations_BorrowOneWeightArray_AndMeanWhatTheyWouldApart(int partEvery, bool borrowsAtTheEnd)
    {
        // The oracles summarise one utilisation each, so they share nothing. The first samples carry memory and no CPU
        // (a first reading), then both, with samples that carry only one of them every so often after two days.
        var halfLife = TimeSpan.FromHours(2);
        var both = new PerformanceMetrics(halfLife, keepsCycles: false);
        var cpuOnly = new PerformanceMetrics(halfLife, keepsCycles: false, only: [Metric.CpuUtilisation]);
        var memoryOnly = new PerformanceMetrics(halfLife, keepsCycles: false, only: [Metric.MemoryUtilisation]);
        var random = new Random(8);
        var start = new DateTimeOffset(2024, 6, 3, 0, 0, 0, TimeSpan.Zero);
        for (var step = 0; step < 9 * 288; step++)
        {
            var parted = step >= 2 * 288 && step % partEvery == 0;
            var withCpu = step >= 3 && !(parted && step % 2 == 0);
            var withMemory = !(parted && step % 2 == 1);
            var sample = new MetricSample(start.AddMinutes(5 * step),
                cpu: withCpu ? new CpuCores(8 * random.NextDouble()) : null, cpuAllocated: new CpuCores(8),
                memory: withMemory ? MemorySize.FromMiB(1000 + 3000 * random.NextDouble()) : null,
                memoryAllocated: MemorySize.FromMiB(4096));
            both.Fold(sample);
            cpuOnly.Fold(sample);
            memoryOnly.Fold(sample);
            if (step == 2 * 288 - 1) Assert.True(both[Metric.CpuUtilisation]!.Seasonal!.Borrows);
        }

        Assert.Equal(borrowsAtTheEnd, both[Metric.CpuUtilisation]!.Seasonal!.Borrows);
        AssertSameShape(cpuOnly, both, Metric.CpuUtilisation);
        AssertSameShape(memoryOnly, both, Metric.MemoryUtilisation);
        // Stored and read back: the same shapes, the memory one borrowing the CPU one's weights where they are close.
        var read = ProfileCodec.Decode(ProfileCodec.Encode(new PersonalityProfile(new VmId("vm-1"), "vm-1", "test", performance: both))).Performance;
        Assert.Equal(borrowsAtTheEnd, read[Metric.MemoryUtilisation]!.Seasonal!.Borrows);
        AssertSameShape(cpuOnly, read, Metric.CpuUtilisation);
        AssertSameShape(memoryOnly, read, Metric.MemoryUtilisation);
    }

    private static void AssertSameShape(PerformanceMetrics expected, PerformanceMetrics actual, Metric metric)
    {
        var (e, a) = (expected[metric]!.Seasonal!, actual[metric]!.Seasonal!);
        Assert.InRange(e.HoursCovered, 100, SeasonalSummary.HoursPerWeek);
        Assert.Equal(e.HoursCovered, a.HoursCovered);
        for (var h = 0; h < SeasonalSummary.HoursPerWeek; h++) Assert.Equal(e.Mean(h), a.Mean(h));
    }
}
