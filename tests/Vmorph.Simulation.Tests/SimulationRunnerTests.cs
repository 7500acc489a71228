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
            };
            var outcome = new SimulationRunner(new TraceReader()).Run(request, null, CancellationToken.None);
            Assert.True(outcome.IsSuccess, string.Join("\n", outcome.Errors));
            var report = outcome.Value;
            Assert.Equal(["static", "vpa", "autopilot-mw", "autopilot-ml", "aws-co", "vmorph", "oracle"], report.Policies.Select(p => p.Name));
            Assert.Equal(4, report.Vms);
            Assert.All(report.Scores, s => Assert.InRange(s.CpuSlack, 0, 1));
            // August only: the training month warms up, it is not scored.
            Assert.True(report.EvaluatedFrom >= new DateTimeOffset(2013, 7, 31, 0, 0, 0, TimeSpan.Zero));
            Assert.Equal(0, report.Scores.Single(s => s.Policy == "oracle").CpuShortfallSteps);
            Assert.Contains("FastTree", report.Models["vmorph"], StringComparison.Ordinal);
            Assert.Equal(File.ReadLines(request.DecisionsPath).Count() - 1, report.DecisionRows);
            Assert.Equal(2, report.Plots.Count);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
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
        Assert.Equal(["--baselines: 'magic' is not a baseline (known: static, vpa, autopilot-mw, autopilot-ml, aws-co, oracle, or all)"], result.Errors);
    }
}
