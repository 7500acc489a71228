using Vmorph.Cli.Hosting;

namespace Vmorph.Cli.Tests.Commands;

public sealed class SimulatePlotTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    private static string Bitbrains(int vm) => Path.Combine(CliHarness.Traces, "bitbrains-rnd", "2013-8", $"{vm}.csv.gz");

    [Fact]
    public async Task Simulate_PlotVmNotInTheTrace_FailsNamingTheVmTheTraceAndItsVms_WritesNothing()
    {
        var plots = cli.Scratch("plots");
        var result = await cli.RunAsync("simulate", "--trace", Bitbrains(41), "--plot", plots, "--plot-vm", "nosuch");
        Assert.Equal(1, result.Exit);
        Assert.Contains($"--plot-vm nosuch: no such VM in {Bitbrains(41)}; they hold 1 VM, e.g. 41 (bitbrains:41)", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(plots) && Directory.EnumerateFiles(plots).Any());
    }

    [Fact]
    public async Task Simulate_PlotPoliciesNotRun_FailsListingThoseThatRan()
    {
        var result = await cli.RunAsync("simulate", "--trace", Bitbrains(41), "--baselines", "vpa", "--plot", cli.Scratch("plots"), "--plot-policies", "vmorph,magic");
        Assert.Equal(1, result.Exit);
        Assert.Contains("--plot-policies: 'magic' is not a policy of this simulation (these ran: vpa, vmorph;", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_PlotVmWithoutPlot_IsAUsageError()
    {
        var result = await cli.RunAsync("simulate", "--trace", Bitbrains(41), "--plot-vm", "41");
        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains("add --plot DIR", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_Plot_ListsTheFilesWrittenOnStandardError()
    {
        var plots = cli.Scratch("plots");
        var result = await cli.RunAsync("simulate", "--trace", Bitbrains(41), "--baselines", "static", "--plot", plots, "--plot-policies", "static", "-o", "json");
        Assert.Equal(0, result.Exit);
        Assert.Contains("vmorph: plots: 2 PNG files written:", result.Error, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(plots, "bitbrains_41-cpu.png"), result.Error, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(plots, "bitbrains_41-memory.png"), result.Error, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(plots, "bitbrains_41-cpu.png")));
    }

    [Fact]
    public async Task Simulate_ThreePresetsAndEveryBaseline_PrintsTheGoalLines_AndWritesTheFrontier()
    {
        var frontier = cli.Scratch("out/frontier.png");
        var result = await cli.RunAsync("simulate", "--trace", Bitbrains(41), "--policy", "vmorph-lean", "--policy", "vmorph", "--policy", "vmorph-safe",
            "--baselines", "all", "--frontier", frontier);
        Assert.Equal(0, result.Exit);
        foreach (var row in new[] { "vmorph-lean", "vmorph-safe", "peak-1h-x1.0", "peak-24h-x1.5", "autopilot-ml", "oracle" })
            Assert.Matches($@"(?m)^{row}\s", result.Out);
        // One line per rightsizing baseline, one per preset.
        foreach (var baseline in new[] { "vpa", "autopilot-mw", "autopilot-ml", "aws-co" })
            Assert.Matches($@"(?m)^{baseline}: (beaten by|no vmorph policy here)", result.Out);
        Assert.Matches(@"(?m)^vmorph-safe: (beaten on allocation|no reference rule).*cores per VM above the oracle", result.Out);
        Assert.Contains($"vmorph: frontier plot written: {frontier}", result.Error, StringComparison.Ordinal);
        Assert.True(new FileInfo(frontier).Length > 10_000);
    }
}
