using Vmorph.Planning;
using Vmorph.Units;

namespace Vmorph.Morphing.Tests.Planning;

public class PlanRenderingTests
{
    private static Plan WebServer() => Fixtures.Plan(Fixtures.Request(Fixtures.Catalog.Find("web-server").Value,
        profile: Fixtures.Profile(1.2, MemorySize.FromMiB(600)), traits: Fixtures.Traits(("web-server", 0.35), ("network-bound", 0.2), ("idle", 0.7))));

    [Fact]
    public void Text_WebServerPlan_MatchesGolden() => Golden.Verify("web-server-plan", PlanRenderer.Text(WebServer()));

    [Fact]
    public void Text_WebServerPlanWithInverses_MatchesGolden() => Golden.Verify("web-server-plan-inverses", PlanRenderer.Text(WebServer(), inverses: true));

    [Fact]
    public void Json_WebServerPlan_MatchesGolden() => Golden.Verify("web-server-plan-json", PlanFile.Save(WebServer()));

    [Fact]
    public void Text_RightSizingDownWithDiskGrowth_MatchesGolden()
    {
        var current = Fixtures.LabVm with { Vcpus = 4, MaxVcpus = 4, Memory = MemorySize.FromGiB(4), MaxMemory = MemorySize.FromGiB(8) };
        var plan = Fixtures.Plan(Fixtures.Request(Fixtures.Catalog.Find("database-server").Value, current, Fixtures.Profile(0.3, MemorySize.FromMiB(500))));
        Golden.Verify("database-server-right-size-plan", PlanRenderer.Text(plan));
    }

    [Fact]
    public void Text_NoChanges_MatchesGolden()
    {
        var target = Fixtures.Target("apiVersion: vmorph/v1\nkind: TargetProfile\nmetadata: {name: small}\nspec:\n  resources: {vcpus: \"1\", memory: 256MiB}\n");
        Golden.Verify("no-changes-plan", PlanRenderer.Text(Fixtures.Plan(Fixtures.Request(target))));
    }

    [Fact]
    public void Text_SummaryLine_CountsAddChangeDestroyLiveAndRestart()
    {
        var plan = WebServer();
        var last = PlanRenderer.Text(plan).TrimEnd('\n').Split('\n')[^1];
        var s = plan.Summary;
        Assert.Equal($"Plan: {s.Add} to add, {s.Change} to change, {s.Destroy} to destroy; {s.Live} live, {s.Restart} {(s.Restart == 1 ? "needs" : "need")} a restart.", last);
        Assert.Equal(plan.Steps.Length - 1, s.Add + s.Change + s.Destroy);
        Assert.Equal(1, s.Restart);
    }
}
