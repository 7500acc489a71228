using System.Text.Json;

namespace Vmorph.Cli.Tests.Commands;

public sealed class ProfileAndTraitsCommandTests : IDisposable
{
    private readonly CliHarness cli = new();

    public ProfileAndTraitsCommandTests() =>
        Assert.Equal(0, cli.RunAsync("import", Path.Combine(CliHarness.Traces, "bitbrains-rnd", "2013-7", "5.csv.gz")).GetAwaiter().GetResult().Exit);

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Profile_Json_HasEverySeedPart()
    {
        var result = await cli.RunAsync("profile", "bitbrains:5", "-o", "json");
        Assert.Equal(0, result.Exit);
        using var json = JsonDocument.Parse(result.Out);
        var root = json.RootElement;
        foreach (var part in new[] { "id", "baseImage", "configurationHistory", "applications", "dataFootprint", "network", "userBehavior", "performance", "traits" })
            Assert.True(root.TryGetProperty(part, out _), $"profile JSON lacks '{part}'");
        Assert.Equal("unknown", root.GetProperty("baseImage").GetString());
        Assert.Contains("traces carry no in-guest view", root.GetProperty("guestViewMissing").GetString(), StringComparison.Ordinal);
        Assert.True(root.GetProperty("performance").GetProperty("metrics").GetProperty("cpu.utilisation").GetProperty("p95").GetDouble() > 0);
        Assert.True(root.GetProperty("configurationHistory").GetArrayLength() >= 1);
    }

    [Fact]
    public async Task Traits_Explain_NamesFeaturesWithValuesAndWeights()
    {
        var result = await cli.RunAsync("traits", "5", "--explain");
        Assert.Equal(0, result.Exit);
        Assert.Contains("cpu.idle-share", result.Console, StringComparison.Ordinal);
        Assert.Contains("(weight ", result.Console, StringComparison.Ordinal);
        Assert.Contains("no data: ", result.Console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Traits_UnknownVm_ExitsNotFoundNamingIt()
    {
        var result = await cli.RunAsync("traits", "no-such-vm");
        Assert.Equal(3, result.Exit);
        Assert.Contains("no-such-vm", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fleet_BadArchetypeFile_ReportsEveryErrorAndFails()
    {
        var yaml = cli.Scratch("bad.yaml");
        await File.WriteAllTextAsync(yaml, "archetypes:\n  - name: mine\n    features:\n      cpu.size: -1\n      gpu.heat: 1\n");
        var result = await cli.RunAsync("fleet", "--archetypes", yaml);
        Assert.Equal(1, result.Exit);
        Assert.Contains($"{yaml}: archetype 'mine': feature 'cpu.size': weight -1 is negative", result.Error, StringComparison.Ordinal);
        Assert.Contains($"{yaml}: archetype 'mine': feature 'gpu.heat' is unknown", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fleet_UserArchetype_IsScored()
    {
        var yaml = cli.Scratch("mine.yaml");
        await File.WriteAllTextAsync(yaml, "archetypes:\n  - name: night-owl\n    kind: shape\n    features:\n      cpu.office-hours: { weight: 1, invert: true }\n");
        var result = await cli.RunAsync("traits", "5", "--archetypes", yaml, "-o", "json");
        Assert.Equal(0, result.Exit);
        Assert.Contains("\"night-owl\"", result.Out, StringComparison.Ordinal);
    }
}
