using Vmorph.Cycles;
using Vmorph.Observations;
using Vmorph.Units;

namespace Vmorph.Domain.Tests.Cycles;

public class SharedCycleDetectionTests
{
    private static readonly long Monday = Samples.Monday.ToUnixTimeSeconds();

    // Three weeks of five-minute samples of a daily cycle with seeded noise.
    private static CycleHistory Daily(int seed, double amplitude = 0.2)
    {
        var random = new Random(seed);
        var history = new CycleHistory();
        for (var i = 0; i < 21 * 288; i++)
            history.Add(Monday + i * 300L, 1 + amplitude * Math.Sin(2 * Math.PI * i / 288.0) + 0.05 * random.NextDouble());
        return history;
    }

    [Fact]
    public void Detect_RingsOfTheSameContent_AreDetectedOnce_AndAsTheDetectorNamesThem()
    {
        var shared = new SharedCycleDetection();

        var first = shared.Detect(Daily(seed: 1));
        var second = shared.Detect(Daily(seed: 1));

        Assert.Equal(1, shared.Detections);
        Assert.Same(first, second);
        Assert.Equal(CycleDetector.Detect(Daily(seed: 1)), first);
        Assert.Equal("PT24H", first?.IsoPeriod);
    }

    [Fact]
    public void Detect_RingsThatDifferInOneBin_AreDetectedApart()
    {
        var shared = new SharedCycleDetection();
        var changed = Daily(seed: 1);
        changed.Add(Monday + 3 * 300L, 40);

        shared.Detect(Daily(seed: 1));
        shared.Detect(changed);

        Assert.Equal(2, shared.Detections);
    }

    [Fact]
    public void Detect_AskedFromManyThreadsAtOnce_DetectsOnce()
    {
        var shared = new SharedCycleDetection();
        var histories = Enumerable.Range(0, 8).Select(_ => Daily(seed: 2)).ToArray();

        var cycles = new DominantCycle?[histories.Length];
        Parallel.For(0, histories.Length, i => cycles[i] = shared.Detect(histories[i]));

        Assert.Equal(1, shared.Detections);
        Assert.All(cycles, c => Assert.Same(cycles[0], c));
    }

    [Fact]
    public void Rings_KeepTheCoresWanted_SoAResizeWithTheSameDemandLeavesThemAsTheyWere()
    {
        // The same demand (1.5 cores, then 0.5) on 4 cores and on 2: the utilisation differs, the rings must not.
        CycleHistory Fed(double allocated)
        {
            var history = new CycleHistory();
            for (var i = 0; i < 24; i++)
            {
                var at = Samples.Monday.AddMinutes(5 * i);
                history.Add(new MetricSample(at, cpu: new CpuCores(i < 12 ? 1.5 : 0.5), cpuAllocated: new CpuCores(allocated)));
            }
            return history;
        }

        Assert.Equal(Fed(4).Encode(), Fed(2).Encode());
        Assert.Equal(1.5, Fed(4).Fine.Means().First(m => !double.IsNaN(m)), 2);
    }

    [Fact]
    public void Rings_KeepTheDemand_WhereTheSourceKnowsMoreThanWasReceived()
    {
        var history = new CycleHistory();
        history.Add(new MetricSample(Samples.Monday, cpu: new CpuCores(0.4), cpuAllocated: new CpuCores(1), cpuDemand: new CpuCores(1)));

        Assert.Equal(1, history.Fine.Means().Single(m => !double.IsNaN(m)), 2);
    }

    [Fact]
    public void Rings_OfASourceWithOnlyAUtilisation_KeepTheUtilisation()
    {
        var history = new CycleHistory();
        history.Add(new MetricSample(Samples.Monday, cpuUtilisation: new Fraction(0.25)));

        Assert.Equal(0.25, history.Fine.Means().Single(m => !double.IsNaN(m)), 3);
    }
}
