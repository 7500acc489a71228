using Vmorph.Identity;
using Vmorph.Recommenders;
using Vmorph.Simulation.Replay;
using Vmorph.Simulation.Scoring;

namespace Vmorph.Simulation.Tests;

public class ReplayTests
{
    private static readonly Dictionary<VmId, ReplaySeries> NoTraining = [];

    /// <summary>Wants a number of cores from a time on, else the current allocation.</summary>
    private sealed class StepFactory(long from, double wanted) : IRecommenderFactory
    {
        public string Name => "step";

        public string Description => "test";

        public string Source => "test";

        public IRecommender Create(VmContext vm) => new Step(from, wanted);

        private sealed class Step(long from, double wanted) : IRecommender
        {
            public void Observe(in UsageSample sample)
            {
            }

            public Allocation Recommend(long nowUnixSeconds, Allocation current) => nowUnixSeconds >= from ? current.WithCores(wanted) : current;
        }
    }

    [Fact]
    public void Score_FollowsTheDefinitions()
    {
        // Static 2 cores: use 1, 2, 3, 0.5 → slack (1 + 0 + 0 + 1.5) / 8, short 1 of 4 steps, unserved 1 / 6.5.
        var series = Synthetic.Series("vm", [1, 2, 3, 0.5], [100, 300, 100, 100], provisionedCores: 2, provisionedMemory: 256);
        var result = ReplayEngine.Run([series], NoTraining, [PolicyUnderTest.Static()], new ReplayOptions(), null, CancellationToken.None);
        var s = result.Scores[0];
        Assert.Equal(2.5 / 8, s.CpuSlack, 12);
        Assert.Equal(0.25, s.CpuShortfallShare, 12);
        Assert.Equal(1 / 6.5, s.CpuUnservedShare, 12);
        Assert.Equal(1, s.CpuShortfallSteps);
        Assert.Equal(1, s.MemoryShortfallSteps);
        Assert.Equal(0, s.Morphs);
        Assert.Equal(4 * 300 / 86400.0, s.VmDays, 12);
    }

    [Fact]
    public void Delay_ADecisionTakesEffectOneStepLater_AndCountsAsOneMorph()
    {
        var series = Synthetic.Series("vm", [1, 1, 1, 1, 1, 1]);
        var at = Synthetic.Start + 2 * 300;
        var policy = PolicyUnderTest.Online(new StepFactory(at, 2));
        var delayed = ReplayEngine.Run([series], NoTraining, [policy], new ReplayOptions { KeepAllocations = true }, null, CancellationToken.None);
        Assert.Equal([4, 4, 4, 2, 2, 2], delayed.Tracks[0].Allocations.Select(a => a.Cores));
        Assert.Equal(1, delayed.Scores[0].Morphs);
        var immediate = ReplayEngine.Run([series], NoTraining, [policy], new ReplayOptions { KeepAllocations = true, Delay = TimeSpan.Zero }, null, CancellationToken.None);
        Assert.Equal([4, 4, 2, 2, 2, 2], immediate.Tracks[0].Allocations.Select(a => a.Cores));
        var late = ReplayEngine.Run([series], NoTraining, [policy], new ReplayOptions { KeepAllocations = true, Delay = TimeSpan.FromMinutes(15) }, null, CancellationToken.None);
        Assert.Equal([4, 4, 4, 4, 4, 2], late.Tracks[0].Allocations.Select(a => a.Cores));
    }

    [Fact]
    public void Grid_RoundsEveryPolicyUp_TheSameWay()
    {
        var series = Synthetic.Series("vm", [1, 1, 1, 1]);
        var policy = PolicyUnderTest.Online(new StepFactory(0, 1.234));
        var result = ReplayEngine.Run([series], NoTraining, [policy, PolicyUnderTest.Oracle(4)], new ReplayOptions { KeepAllocations = true }, null, CancellationToken.None);
        Assert.Equal(1.3, result.Tracks[0].Allocations[^1].Cores);
        Assert.All(result.Tracks[1].Allocations, a => Assert.Equal(1.0, a.Cores));
    }

    [Fact]
    public void Training_WarmsUpButIsNotScored()
    {
        var train = Synthetic.Series("vm", [.. Enumerable.Repeat(1.0, 288)]);
        var evaluate = new ReplaySeries(train.Vm, "vm", "synthetic", [.. train.UnixSeconds.Select(t => t + 86400)], train.Cores, train.MemoryMiB, train.ProvisionedCores, train.ProvisionedMemoryMiB);
        var vpa = PolicyUnderTest.Online(RecommenderCatalog.Find("vpa")!);
        var warmed = ReplayEngine.Run([evaluate], new Dictionary<VmId, ReplaySeries> { [train.Vm] = train }, [vpa], new ReplayOptions { KeepAllocations = true }, null, CancellationToken.None);
        var cold = ReplayEngine.Run([evaluate], NoTraining, [vpa], new ReplayOptions { KeepAllocations = true }, null, CancellationToken.None);
        Assert.Equal(288, warmed.Scores[0].Steps);
        // Warmed up on a day of 1 core, VPA sizes the VM down at once; cold, it starts from the trace's 4 cores.
        Assert.True(warmed.Tracks[0].Allocations[1].Cores < 2);
        Assert.Equal(4, cold.Tracks[0].Allocations[1].Cores);
    }

    [Fact]
    public void Lockstep_ResultsDoNotDependOnParallelism()
    {
        var fleet = Enumerable.Range(0, 5).Select(v => Synthetic.Bursty($"vm-{v}", 6, seed: v % 2)).ToList();
        var learnFrom = fleet.Select(s => s.Before(Synthetic.Start + 3 * 86400L)).ToList();
        var policy = Policies.PolicyCatalog.BuiltIn.Find("vmorph")!;
        var peers = Triggers.PolicyEngineFactory.LearnPeers(policy, learnFrom.ToDictionary(s => s.Vm, s => (s.UnixSeconds, s.Cores)));
        ReplayResult Run(int parallelism) => ReplayEngine.Run(fleet, NoTraining,
            [PolicyUnderTest.Online(new Triggers.PolicyEngineFactory(policy, null, null, true, new Forecasting.FleetActivity(peers)))],
            new ReplayOptions { KeepAllocations = true, Parallelism = parallelism, EvaluateFrom = DateTimeOffset.FromUnixTimeSeconds(Synthetic.Start + 3 * 86400L) }, null, CancellationToken.None);
        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Scores[0].CpuSlack, two.Scores[0].CpuSlack);
        for (var t = 0; t < one.Tracks.Count; t++) Assert.Equal(one.Tracks[t].Allocations, two.Tracks[t].Allocations);
    }
}
