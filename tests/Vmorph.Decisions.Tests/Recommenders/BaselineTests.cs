using Vmorph.Recommenders;
using Vmorph.Recommenders.Baselines;

namespace Vmorph.Decisions.Tests.Recommenders;

public class BaselineTests
{
    private static readonly long Start = new DateTimeOffset(2024, 6, 3, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    [Fact]
    public void AutopilotMovingWindow_CpuPercentileIsOfLoadNotOfTime_MemoryIsThePeakOfTheWindow()
    {
        // Half the time 1 core, half the time 3 cores: 3 of every 4 CPU-seconds are used at 3 cores, so the P95 of
        // the load-adjusted histogram is 3 cores, where the P95 of time would be 3 and the P50 of time 1.
        var mw = new AutopilotMovingWindowRecommenderFactory().Create(VmContext.Of("vm", new Allocation(8, 4096)));
        for (var i = 0; i < 288; i++)
            mw.Observe(new UsageSample(Start + i * 300L, i % 2 == 0 ? 1.0 : 3.0, i == 100 ? 3000 : 1000, new Allocation(8, 4096)));
        var r = mw.Recommend(Start + 288 * 300L, new Allocation(8, 4096));
        Assert.InRange(r.Cores, 3.0, 3.0 + 2 * 8.0 / 400);
        Assert.Equal(3000, r.MemoryMiB);
        // A day later the 3000 MiB peak has left the 24 h window.
        for (var i = 288; i < 2 * 288; i++) mw.Observe(new UsageSample(Start + i * 300L, 1.0, 1000, new Allocation(8, 4096)));
        Assert.Equal(1000, mw.Recommend(Start + 2 * 288 * 300L, new Allocation(8, 4096)).MemoryMiB);
    }

    [Fact]
    public void AutopilotMl_SteadyUse_ConvergesToTheSmallestLimitAboveIt()
    {
        // 2 of 8 cores, steady: any limit below 2 overruns every step (w_o = 1), any above costs w_u per share of
        // capacity; the cheapest candidate is the first of 64 steps of 1.5/64 of capacity above 0.25: 11 × 1.5/64 × 8.
        var ml = new AutopilotMlRecommenderFactory().Create(VmContext.Of("vm", new Allocation(8, 4096)));
        for (var i = 0; i < 288; i++) ml.Observe(new UsageSample(Start + i * 300L, 2.0, 1000, new Allocation(8, 4096)));
        var r = ml.Recommend(Start + 288 * 300L, new Allocation(8, 4096));
        Assert.Equal(11 * 1.5 / 64 * 8, r.Cores, 4);
    }

    [Fact]
    public void AwsComputeOptimizer_P995OverFourteenDaysWithTwentyPercentHeadroom_RefreshedDaily()
    {
        static Allocation Run(int spikes)
        {
            var co = new AwsComputeOptimizerRecommenderFactory().Create(VmContext.Of("vm", new Allocation(8, 4096)));
            // 14 days of 4032 five-minute samples: 1 core, except `spikes` samples of 4 cores.
            for (var i = 0; i < 4032; i++) co.Observe(new UsageSample(Start + i * 300L, i < spikes ? 4.0 : 1.0, 1000, new Allocation(8, 4096)));
            return co.Recommend(Start + 4032 * 300L, new Allocation(8, 4096));
        }
        // Nearest rank: the P99.5 of 4032 values is the 4012th smallest. With 20 spikes it is 1 core, with 21 it is 4.
        Assert.Equal(1.2, Run(20).Cores, 9);
        Assert.Equal(4.8, Run(21).Cores, 9);
        Assert.Equal(1200, Run(20).MemoryMiB, 9);

        // Between daily evaluations the recommendation does not move.
        var daily = new AwsComputeOptimizerRecommenderFactory().Create(VmContext.Of("vm", new Allocation(8, 4096)));
        for (var i = 0; i < 288; i++) daily.Observe(new UsageSample(Start + i * 300L, 1.0, 1000, new Allocation(8, 4096)));
        var first = daily.Recommend(Start + 288 * 300L, new Allocation(8, 4096));
        for (var i = 288; i < 300; i++) daily.Observe(new UsageSample(Start + i * 300L, 6.0, 1000, first));
        Assert.Equal(first, daily.Recommend(Start + 300 * 300L, first));
    }

    [Fact]
    public void Oracle_MinimisesAllocationWithoutShortfall_WithinTheDailyBudget()
    {
        var grid = new AllocationGrid(1, 1, 64, 128);
        long[] t = [.. Enumerable.Range(0, 8).Select(i => Start + i * 300L)];
        double[] use = [1, 1, 1, 5, 5, 1, 1, 1];
        double[] memory = [100, 100, 100, 900, 100, 100, 100, 100];
        var initial = new Allocation(5, 1024);
        double Total(Allocation[] plan) => plan.Sum(a => a.Cores);
        int Changes(Allocation[] plan) => plan.Select((a, i) => i == 0 ? a != initial : a != plan[i - 1]).Count(c => c);

        var three = OraclePlanner.Plan(t, use, memory, initial, grid, 3);
        Assert.Equal([1, 1, 1, 5, 5, 1, 1, 1], three.Select(a => a.Cores));
        Assert.Equal(3, Changes(three));
        // Memory follows the CPU segments: the largest use of each.
        Assert.Equal([128, 128, 128, 960, 960, 128, 128, 128], three.Select(a => a.MemoryMiB));

        var two = OraclePlanner.Plan(t, use, memory, initial, grid, 2);
        Assert.Equal(28, Total(two));
        Assert.True(Changes(two) <= 2);
        Assert.All(two.Zip(use), p => Assert.True(p.First.Cores >= p.Second));

        Assert.Equal(40, Total(OraclePlanner.Plan(t, use, memory, initial, grid, 0)));
    }

    [Fact]
    public void Oracle_BudgetIsPerUtcDay()
    {
        var grid = new AllocationGrid(1, 1, 64, 128);
        // Two days, the same pattern each day. The perfect plan needs three changes (down on day 1, up and down on
        // day 2); with one morph a day the best is 22 core-steps: one day follows the use, the other stays at 5.
        long[] t = [Start, Start + 3600, Start + 7200, Start + 86400, Start + 86400 + 3600, Start + 86400 + 7200];
        double[] use = [5, 1, 1, 5, 1, 1];
        var plan = OraclePlanner.Plan(t, use, [.. use.Select(_ => double.NaN)], new Allocation(5, double.NaN), grid, 1);
        Assert.Equal(22, plan.Sum(a => a.Cores));
        Assert.All(plan.Zip(use), p => Assert.True(p.First.Cores >= p.Second));
        var changesByDay = plan.Select((a, i) => (Day: t[i] / 86400, Changed: a != (i == 0 ? new Allocation(5, double.NaN) : plan[i - 1])))
            .Where(c => c.Changed).GroupBy(c => c.Day);
        Assert.All(changesByDay, g => Assert.True(g.Count() <= 1));
        Assert.All(plan, a => Assert.True(double.IsNaN(a.MemoryMiB)));
        Assert.Equal(14, OraclePlanner.Plan(t, use, [.. use.Select(_ => double.NaN)], new Allocation(5, double.NaN), grid, 2).Sum(a => a.Cores));
    }
}
