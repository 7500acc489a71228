using Vmorph.Policies;

namespace Vmorph.Decisions.Tests.Policies;

public class RiskLevelTests
{
    private static Policy Build(string risk, string extra = "")
    {
        var yaml = $"""
            policies:
              - name: p
                risk: {risk}
                triggers:
                  resource-demand: {"{"} headroom: 1%{extra} {"}"}
                  predictive: {"{"} horizon: 1h {"}"}
            """;
        var result = PolicyCatalog.Build([("p.yaml", yaml)]);
        Assert.True(result.IsSuccess, string.Join("\n", result.Errors));
        return result.Value.Policies.Single();
    }

    [Theory]
    [InlineData("lean", RiskLevel.Lean)]
    [InlineData("balanced", RiskLevel.Balanced)]
    [InlineData("safe", RiskLevel.Safe)]
    public void Risk_SetsTheDefaultsOfTheTradeOffSettings(string name, RiskLevel level)
    {
        var policy = Build(name);
        var expected = RiskDefaults.For(level)!;
        Assert.Equal(level, policy.Risk);
        Assert.Equal(expected.CpuPercentile, policy.Demand!.CpuPercentile);
        Assert.Equal(expected.Hysteresis, policy.Demand.Hysteresis);
        Assert.Equal(expected.ShrinkAfter, policy.Demand.ShrinkAfter);
        Assert.Equal(expected.Floor, policy.Demand.Floor);
        Assert.Equal(expected.Quantile, policy.Predictive!.Quantile);
        Assert.Equal(expected.RecentFloor, policy.Predictive.RecentFloor);
    }

    [Fact]
    public void Risk_ASettingWrittenInTheTrigger_WinsOverTheLevel()
    {
        var policy = Build("lean", ", shrink-after: 3h, floor: 25%");
        Assert.Equal(TimeSpan.FromHours(3), policy.Demand!.ShrinkAfter);
        Assert.Equal(0.25, policy.Demand.Floor);
        Assert.Equal(RiskDefaults.For(RiskLevel.Lean)!.Hysteresis, policy.Demand.Hysteresis);
    }

    [Fact]
    public void Risk_UnknownLevel_IsAnErrorNamingTheLevels()
    {
        var result = PolicyCatalog.Build([("p.yaml", "policies:\n  - name: p\n    risk: reckless\n")]);
        Assert.Equal(["p.yaml: policy 'p': risk: 'reckless' is not a risk level (write lean, balanced or safe)"], result.Errors);
    }

    [Fact]
    public void Presets_GoFromLeanToSafe_WithinTheMorphBudget()
    {
        var presets = new[] { "vmorph-lean", "vmorph", "vmorph-safe" }.Select(n => PolicyCatalog.BuiltIn.Find(n)!).ToList();
        Assert.Equal([RiskLevel.Lean, RiskLevel.Balanced, RiskLevel.Safe], presets.Select(p => p.Risk));
        // Leaner: shrinks sooner, keeps less of the peak, covers a lower quantile of the forecast.
        Assert.True(presets[0].Demand!.ShrinkAfter < presets[1].Demand!.ShrinkAfter);
        Assert.True(presets[0].Demand!.Floor < presets[1].Demand!.Floor);
        Assert.True(presets[1].Predictive!.Quantile < presets[2].Predictive!.Quantile);
        Assert.All(presets, p => Assert.True(p.MaxMorphsPerDay <= 6));
        // Only the default matches every VM; the others are chosen by name or label.
        Assert.Equal("vmorph", PolicyCatalog.BuiltIn.For("vm", "vm", new Dictionary<string, string>())!.Name);
        Assert.Equal("vmorph-lean", PolicyCatalog.BuiltIn.For("vm", "vm", new Dictionary<string, string> { ["vmorph-policy"] = "lean" })!.Name);
    }
}
