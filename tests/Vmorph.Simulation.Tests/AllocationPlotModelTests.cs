using System.Buffers.Binary;
using System.Text.RegularExpressions;
using Vmorph.Identity;
using Vmorph.Recommenders;
using Vmorph.Simulation.Output;
using Vmorph.Simulation.Replay;
using Vmorph.Traces;

namespace Vmorph.Simulation.Tests;

public class AllocationPlotModelTests
{
    private static AllocationTrack Track(string policy, ReplaySeries series, params double[] cores) =>
        new(policy, series, [.. cores.Select(c => new Allocation(c, 2048))]);

    private static int PngHeight(string path) => BinaryPrimitives.ReadInt32BigEndian(File.ReadAllBytes(path).AsSpan(20, 4));

    private static int PngWidth(string path) => BinaryPrimitives.ReadInt32BigEndian(File.ReadAllBytes(path).AsSpan(16, 4));

    [Fact]
    public void Build_StaticEightCoresOverAOneCoreLoad_YFromZeroToUsageTimesHeadroom_StaticNotedAboveTheScale()
    {
        var series = Synthetic.Series("bitbrains:1", [0.2, 1.0, 0.5, 0.1], provisionedCores: 8);
        var model = AllocationPlotModelBuilder.Build(
            [Track("static", series, 8, 8, 8, 8), Track("vpa", series, 0.6, 0.6, 1.1, 1.1)], PlotResource.Cpu, [], "test");
        Assert.Equal(0, model.YMin);
        Assert.Equal(1.0 * AllocationPlotModelBuilder.HeadroomFactor, model.YMax, 12);
        var staticPanel = model.Panels[0];
        Assert.True(staticPanel.AboveScale);
        Assert.EndsWith("; allocation up to 8.0 cores, above the scale", staticPanel.Title, StringComparison.Ordinal);
        Assert.False(model.Panels[1].AboveScale);
        Assert.DoesNotContain("above the scale", model.Panels[1].Title, StringComparison.Ordinal);
        Assert.Equal("CPU (cores)", model.ValueAxisLabel);
    }

    [Fact]
    public void Build_AllocationAtTheTopEdge_TitleSaysSo()
    {
        var series = Synthetic.Series("vm", [0.96, 0.5]);
        var model = AllocationPlotModelBuilder.Build([Track("vpa", series, 1.2, 1.2)], PlotResource.Cpu, [], "test");
        Assert.Equal(1.2, model.YMax, 12);
        Assert.False(model.Panels[0].AboveScale);
        Assert.EndsWith("; allocation up to 1.2 cores, at the top of the scale", model.Panels[0].Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_Memory_InGiB_ScaledByUsage()
    {
        var series = Synthetic.Series("bitbrains:2", [1, 1], memory: [1024, 2048]);
        var model = AllocationPlotModelBuilder.Build([Track("static", series, 4, 4)], PlotResource.Memory, [], "test");
        Assert.Equal("GiB", model.Unit);
        Assert.Equal([1.0, 2.0], model.Usage);
        Assert.Equal(2.0 * AllocationPlotModelBuilder.HeadroomFactor, model.YMax, 12);
        Assert.Equal(0, model.YMin);
    }

    [Fact]
    public void ScaleTop_NoUsageAboveZero_TakesTheAllocation_NeverNegative()
    {
        Assert.Equal(2 * AllocationPlotModelBuilder.HeadroomFactor, AllocationPlotModelBuilder.ScaleTop([0, double.NaN], [[2, 1]]), 12);
        Assert.Equal(1, AllocationPlotModelBuilder.ScaleTop([double.NaN], [[double.NaN]]));
    }

    [Fact]
    public void Shortfalls_ExactlyTheRunsWhereAllocationIsBelowUsage_AMissingStepEndsARun()
    {
        long[] times = [0, 300, 600, 900, 1200, 1500, 1800, 2100];
        double[] usage = [1, 3, 3, 2, 3, double.NaN, 3, 5];
        double[] allocation = [2, 2, 2, 2, 2, 2, 2, 4];
        var spans = AllocationPlotModelBuilder.Shortfalls(times, usage, allocation, 300);
        // Equal use and allocation is not short (as in the scores); the last span runs to the end of the last step.
        Assert.Equal(
            [new ShortfallSpan(1, 2, 300, 900), new ShortfallSpan(4, 4, 1200, 1500), new ShortfallSpan(6, 7, 1800, 2400)],
            spans);
        Assert.Equal([2, 1, 2], spans.Select(s => s.Steps));
    }

    [Fact]
    public void Build_ChosenPolicies_OnePanelEachInTheOrderGiven()
    {
        var series = Synthetic.Series("vm", [1, 2]);
        var tracks = new[] { Track("static", series, 4, 4), Track("vpa", series, 1, 1), Track("vmorph", series, 2, 2), Track("oracle", series, 2, 2) };
        var model = AllocationPlotModelBuilder.Build(tracks, PlotResource.Cpu, ["vmorph", "vpa"], "test");
        Assert.Equal(["vmorph", "vpa"], model.Panels.Select(p => p.Policy));
        Assert.Equal(4, AllocationPlotModelBuilder.Build(tracks, PlotResource.Cpu, [], "test").Panels.Count);
        var vpa = model.Panels[1];
        Assert.Equal([new ShortfallSpan(1, 1, Synthetic.Start + 300, Synthetic.Start + 600)], vpa.Shortfalls);
        Assert.StartsWith("vpa: slack 0.0 %, short at 50.0 % of steps (1 span)", vpa.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Score_AgreesWithTheReplayScores()
    {
        var series = Synthetic.Bursty("vm", 2, 3);
        var result = ReplayEngine.Run([series], new Dictionary<VmId, ReplaySeries>(), [PolicyUnderTest.Online(RecommenderCatalog.Find("vpa")!)],
            new ReplayOptions { KeepAllocations = true }, null, CancellationToken.None);
        var track = result.Tracks[0];
        var (slack, shortShare) = AllocationPlotModelBuilder.Score(track.Series.Cores, [.. track.Allocations.Select(a => a.Cores)]);
        Assert.Equal(result.Scores[0].CpuSlack, slack, 12);
        Assert.Equal(result.Scores[0].CpuShortfallShare, shortShare, 12);
    }

    [Fact]
    public void Ticks_AMonth_IsoDatesAtUtcMidnights()
    {
        var from = new DateTimeOffset(2013, 7, 31, 22, 2, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        var until = new DateTimeOffset(2013, 8, 30, 22, 3, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        var ticks = AllocationPlotModelBuilder.Ticks(from, until);
        Assert.InRange(ticks.Count, 2, AllocationPlotModelBuilder.MaxTicks);
        Assert.Equal("2013-08-01", ticks[0].Label);
        Assert.Equal(new DateTimeOffset(2013, 8, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), ticks[0].UnixSeconds);
        Assert.All(ticks, t => Assert.Matches(new Regex(@"^\d{4}-\d{2}-\d{2}$"), t.Label));
        Assert.All(ticks, t => Assert.Equal(0, t.UnixSeconds % 86_400));
    }

    [Fact]
    public void Ticks_HalfADay_IsoDateAndTimeInUtc()
    {
        var from = new DateTimeOffset(2013, 8, 12, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        var ticks = AllocationPlotModelBuilder.Ticks(from, from + 12 * 3600);
        Assert.Equal("2013-08-12", ticks[0].Label);
        Assert.Contains(ticks, t => t.Label == "2013-08-12 06:00");
        Assert.All(ticks.Skip(1), t => Assert.Matches(new Regex(@"^2013-08-12 \d{2}:00$"), t.Label));
        Assert.Equal("time (UTC)", AllocationPlotModel.TimeAxisLabel);
    }

    [Fact]
    public void ResolvePlotPolicies_UnknownName_ErrorListsThePoliciesThatRan()
    {
        string[] ran = ["static", "vpa", "vmorph", "oracle"];
        Assert.Equal(ran, SimulationRunner.ResolvePlotPolicies([], ran).Value);
        Assert.Equal(["vmorph", "vpa"], SimulationRunner.ResolvePlotPolicies(["vmorph, VPA"], ran).Value);
        var result = SimulationRunner.ResolvePlotPolicies(["vmorph,magic"], ran);
        Assert.Equal(["--plot-policies: 'magic' is not a policy of this simulation (these ran: static, vpa, vmorph, oracle; add baselines with --baselines, vmorph policies with --policy)"], result.Errors);
    }

    [Fact]
    public void Run_UnknownPlotVm_FailsNamingTheVmTheTraceAndSomeVms()
    {
        var trace = SharedTraces.Path("bitbrains-rnd", "2013-8", "41.csv.gz");
        var outcome = new SimulationRunner(new TraceReader()).Run(
            new SimulationRequest { Traces = [trace], PlotDirectory = Path.Combine(Path.GetTempPath(), $"vmorph-plots-{Guid.NewGuid():N}"), PlotVms = ["nosuch"] },
            null, CancellationToken.None);
        Assert.False(outcome.IsSuccess);
        Assert.Equal([$"--plot-vm nosuch: no such VM in {trace}; they hold 1 VM, e.g. 41 (bitbrains:41) (name a VM by its name in the trace or by its id)"], outcome.Errors);
    }

    [Fact]
    public void Run_RealBitbrainsVm_ChosenPolicies_PngsOnePanelHighPerPolicy()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"vmorph-plots-{Guid.NewGuid():N}");
        try
        {
            var request = new SimulationRequest
            {
                Traces = [SharedTraces.Path("bitbrains-rnd", "2013-8", "41.csv.gz")],
                Baselines = ["static,vpa,oracle"],
                PlotDirectory = directory,
                PlotVms = ["41"],
                PlotPolicies = ["vmorph,static,oracle"],
            };
            var outcome = new SimulationRunner(new TraceReader()).Run(request, null, CancellationToken.None);
            Assert.True(outcome.IsSuccess, string.Join("\n", outcome.Errors));
            Assert.Equal(["bitbrains_41-cpu.png", "bitbrains_41-memory.png"], outcome.Value.Plots.Select(Path.GetFileName));
            foreach (var file in outcome.Value.Plots)
            {
                Assert.True(new FileInfo(file).Length > 10_000, $"{file} is suspiciously small");
                Assert.Equal(AllocationPlotter.WidthPixels, PngWidth(file));
                Assert.Equal(3 * AllocationPlotter.PanelHeightPixels, PngHeight(file));
            }
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}
