using Vmorph.Forecasting;
using Vmorph.Identity;
using Vmorph.Policies;
using Vmorph.Recommenders;
using Vmorph.Simulation.Replay;
using Vmorph.Traces;
using Vmorph.Traits;
using Vmorph.Triggers;

namespace Vmorph.Simulation.Tests;

/// <summary>
/// The simulator's no-look-ahead property: a run on a trace cut at time T makes the same decisions before T as a run on
/// the whole trace, for every online policy (vmorph with its peer forecast in lock step, and every baseline). The
/// oracle plans over the known future by definition and is left out.
/// </summary>
public class NoLookAheadTests
{
    private static IReadOnlyList<PolicyUnderTest> Policies(IReadOnlyList<ReplaySeries> learnFrom)
    {
        var policy = PolicyCatalog.BuiltIn.Find(PolicyCatalog.DefaultPolicy)!;
        var model = PolicyEngineFactory.TrainCpuModel(policy, learnFrom.Select(s => new TrainingSeries(s.UnixSeconds, s.Cores, s.ProvisionedCores[0])), TimeSpan.FromMinutes(5));
        var peers = PolicyEngineFactory.LearnPeers(policy, learnFrom.ToDictionary(s => s.Vm, s => (s.UnixSeconds, s.Cores)));
        // Each run gets its own fleet board (it holds the run's wake-ups); the model and peers are the same.
        var vmorph = PolicyUnderTest.Online(new PolicyEngineFactory(policy, ArchetypeCatalog.BuiltIn, model, autoApprove: true, new FleetActivity(peers)));
        return [PolicyUnderTest.Static(), .. RecommenderCatalog.Baselines.Skip(1).Select(b => PolicyUnderTest.Online(b)), vmorph];
    }

    private static void AssertSameBefore(IReadOnlyList<ReplaySeries> whole, long evaluateFrom, long cut)
    {
        var learnFrom = whole.Select(s => s.Before(evaluateFrom)).Where(s => s.Length > 0).ToList();
        var options = new ReplayOptions { EvaluateFrom = DateTimeOffset.FromUnixTimeSeconds(evaluateFrom), KeepAllocations = true };
        var empty = new Dictionary<VmId, ReplaySeries>();
        var full = ReplayEngine.Run(whole, empty, Policies(learnFrom), options, null, CancellationToken.None);
        var cutSeries = whole.Select(s => s.Before(cut)).ToList();
        var partial = ReplayEngine.Run(cutSeries, empty, Policies(learnFrom), options, null, CancellationToken.None);
        var compared = 0;
        foreach (var track in partial.Tracks)
        {
            var reference = full.Tracks.Single(t => t.Policy == track.Policy && t.Series.Vm == track.Series.Vm);
            Assert.True(track.Allocations.Length > 0);
            for (var i = 0; i < track.Allocations.Length; i++)
            {
                Assert.True(track.Series.UnixSeconds[i] < cut);
                Assert.True(reference.Allocations[i] == track.Allocations[i],
                    $"{track.Policy} on {track.Series.Vm} at {DateTimeOffset.FromUnixTimeSeconds(track.Series.UnixSeconds[i]):u}: {reference.Allocations[i]} with the whole trace, {track.Allocations[i]} with it cut");
                compared++;
            }
            // The whole trace has more steps: the comparison covered every step before the cut.
            Assert.Equal(reference.Series.UnixSeconds.Count(t => t < cut), track.Allocations.Length);
        }
        Assert.True(compared > 1000);
    }

    [Fact]
    public void RealTrace_CutAtT_SameDecisionsBeforeT()
    {
        var files = new[] { "41", "42", "43", "44", "45", "46", "60", "61", "62", "70", "1", "22" }
            .Select(n => SharedTraces.Path("bitbrains-rnd", "2013-7", n + ".csv.gz"));
        var loaded = new TraceLoader(new TraceReader()).Load(files, null, CancellationToken.None);
        var start = loaded.Series.Min(s => s.UnixSeconds[0]);
        var whole = loaded.Series.Select(s => s.Before(start + 12 * 86400L)).ToList();
        AssertSameBefore(whole, start + 6 * 86400L, start + 9 * 86400L + 1234);
    }

    [Fact]
    public void SyntheticFleet_AnyCut_SameDecisionsBeforeIt()
    {
        var whole = Enumerable.Range(0, 6).Select(v => Synthetic.Bursty($"vm-{v}", 8, seed: v % 3)).ToList();
        foreach (var hours in new[] { 100, 131, 170 })
            AssertSameBefore(whole, Synthetic.Start + 3 * 86400L, Synthetic.Start + hours * 3600L + 150);
    }
}
