using Vmorph.Recommenders;
using Vmorph.Simulation.Output;
using Vmorph.Traces;

namespace Vmorph.Simulation.Tests;

public class SimulationRunnerTests
{
    [Fact]
    public void Bitbrains_TrainOnJuly_EvaluateAugust_EveryPolicyScored_DecisionsAndPlotsWritten()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"vmorph-sim-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            string[] vms = ["41", "42", "2", "22"];
            var request = new SimulationRequest
            {
                Traces = [.. vms.Select(v => SharedTraces.Path("bitbrains-rnd", "2013-8", v + ".csv.gz"))],
                Train = [.. vms.Select(v => SharedTraces.Path("bitbrains-rnd", "2013-7", v + ".csv.gz"))],
                Baselines = ["all"],
                DecisionsPath = Path.Combine(directory, "decisions.csv"),
                PlotDirectory = Path.Combine(directory, "plots"),
                PlotVms = ["bitbrains:41"],
                FrontierPath = Path.Combine(directory, "frontier", "frontier.png"),
            };
            var outcome = new SimulationRunner(new TraceReader()).Run(request, null, CancellationToken.None);
            Assert.True(outcome.IsSuccess, string.Join("\n", outcome.Errors));
            var report = outcome.Value;
            Assert.Equal(["static", "vpa", "autopilot-mw", "autopilot-ml", "aws-co", .. RecommenderCatalog.ReferenceRules.Select(r => r.Name), "vmorph", "oracle"], report.Policies.Select(p => p.Name));
            Assert.Equal(PolicyInfo.Reference, report.Policies.Single(p => p.Name == "peak-6h-x1.2").Kind);
            Assert.Equal(4, report.Vms);
            Assert.All(report.Scores, s => Assert.InRange(s.CpuSlack, 0, 1));
            // August only: the training month warms up, it is not scored.
            Assert.True(report.EvaluatedFrom >= new DateTimeOffset(2013, 7, 31, 0, 0, 0, TimeSpan.Zero));
            Assert.Equal(0, report.Scores.Single(s => s.Policy == "oracle").CpuShortfallSteps);
            Assert.Contains("FastTree", report.Models["vmorph"], StringComparison.Ordinal);
            Assert.Equal(File.ReadLines(request.DecisionsPath).Count() - 1, report.DecisionRows);
            Assert.Equal(2, report.Plots.Count);
            Assert.Equal(request.FrontierPath, report.FrontierPlot);
            using var png = File.OpenRead(request.FrontierPath);
            var header = new byte[24];
            png.ReadExactly(header);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, header[..4]);
            // Width and height, big-endian, in the IHDR chunk.
            Assert.Equal(FrontierPlotter.WidthPixels, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(16)));
            Assert.Equal(FrontierPlotter.HeightPixels, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(20)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void PresetsReplayedTogether_ScoreAsEachReplayedAlone()
    {
        // Replayed together, the presets share the dominant cycle (all three) and their forecasts (vmorph-lean and
        // vmorph forecast alike) and run in lock step side by side: none of it may change a decision.
        string[] vms = ["41", "42", "2", "22", "7"];
        SimulationReport Replay(params string[] policies) => new SimulationRunner(new TraceReader()).Run(new SimulationRequest
        {
            Traces = [.. vms.Select(v => SharedTraces.Path("bitbrains-rnd", "2013-8", v + ".csv.gz"))],
            Train = [.. vms.Select(v => SharedTraces.Path("bitbrains-rnd", "2013-7", v + ".csv.gz"))],
            Policies = policies,
            Baselines = ["none"],
        }, null, CancellationToken.None).Value;
        var together = Replay("vmorph-lean", "vmorph", "vmorph-safe");
        foreach (var name in new[] { "vmorph-lean", "vmorph", "vmorph-safe" })
        {
            var alone = Replay(name).Scores.Single(s => s.Policy == name);
            var inCompany = together.Scores.Single(s => s.Policy == name);
            Assert.Equal(alone with { Counters = null! }, inCompany with { Counters = null! });
            Assert.Equal(alone.Counters.OrderBy(c => c.Key), inCompany.Counters.OrderBy(c => c.Key));
            Assert.True(alone.Morphs > 0, $"{name} made no morph: the comparison shows nothing");
        }
    }

    [Fact]
    public void PlanetLab_CpuOnly_MemoryIsNotScored()
    {
        var request = new SimulationRequest
        {
            Traces = [SharedTraces.Path("planetlab-cloudsim", "planetlab_20110420.csv.gz")],
            Train = [SharedTraces.Path("planetlab-cloudsim", "planetlab_20110412.csv.gz")],
            Baselines = ["static,aws-co"],
        };
        var report = new SimulationRunner(new TraceReader()).Run(request, null, CancellationToken.None).Value;
        Assert.All(report.Scores, s => Assert.Null(s.MemoryShortfallSteps));
        Assert.Contains(report.Notes, n => n.Contains("CPU-only trace", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownPolicyAndBaseline_AreReportedTogether()
    {
        var outcome = new SimulationRunner(new TraceReader()).Run(
            new SimulationRequest { Traces = ["nowhere"], Policies = ["no-such-policy"], Baselines = ["vpa,magic"] }, null, CancellationToken.None);
        Assert.False(outcome.IsSuccess);
        Assert.StartsWith("--policy no-such-policy: no such file, and no built-in policy of that name", outcome.Errors[0], StringComparison.Ordinal);
        var result = SimulationRunner.ResolveBaselines(["vpa,magic"]);
        Assert.Equal(["--baselines: 'magic' is not a baseline (known: static, vpa, autopilot-mw, autopilot-ml, aws-co, oracle; the reference rules peak-rules or one of them, e.g. peak-1h-x1.0; or all)"], result.Errors);
        Assert.Equal(RecommenderCatalog.ReferenceRules.Select(r => r.Name), SimulationRunner.ResolveBaselines(["peak-rules"]).Value);
    }
}
