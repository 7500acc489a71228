using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Vmorph.Configuration;
using Vmorph.Planning;
using Vmorph.Units;

namespace Vmorph.Morphing.Tests.Planning;

/// <summary>
/// Plan files edited by someone who also computes the id again (it is a hash anyone can compute): whatever is applied
/// or undone is derived again on load and the file is refused, naming the step and what differs.
/// </summary>
public class PlanFileTamperingTests
{
    private const string Changed = "; the file was changed after it was saved";

    private static Plan WebServer() => Fixtures.Plan(Fixtures.Request(Fixtures.Catalog.Find("web-server").Value, profile: Fixtures.Profile(1.2, MemorySize.FromMiB(600))));

    /// <summary>The plan with one step replaced, saved with the id computed again, as a careful tamperer would.</summary>
    private static string Tampered(Plan plan, int index, Func<PlanStep, PlanStep> edit)
    {
        var steps = plan.Steps.Select(s => s.Index == index ? edit(s) : s).ToImmutableArray();
        var tampered = plan with { Delta = new ConfigurationDelta(steps) };
        return PlanFile.Save(tampered with { Id = Plan.ComputeId(tampered) });
    }

    private static IReadOnlyList<string> Errors(string json)
    {
        var loaded = PlanFile.Load(json, "p.json");
        Assert.False(loaded.IsSuccess, "the tampered plan was loaded");
        return loaded.Errors;
    }

    private static PlanStep Step(Plan plan, string subject) => plan.Steps.Single(s => s.Subject == subject);

    [Fact]
    public void AnInversesChanges_SetToOneMiB_IsRefusedNamingTheStepAndBothValues()
    {
        var plan = WebServer();
        var memory = Step(plan, "memory.current");
        var json = Tampered(plan, memory.Index, s => s with { Inverse = s.Inverse with { Changes = [new ConfigurationChange("memory.current", s.Changes[0].After, "1048576")] } });
        Assert.Equal($"p.json: step {memory.Index} (memory.current): its inverse sets memory.current to 1 MiB, but undoing the step sets 256 MiB{Changed}", Assert.Single(Errors(json)));
    }

    [Fact]
    public void AnInversesChanges_WithoutCapabilitiesRecorded_AreStillDerivedFromTheStep()
    {
        var plan = WebServer() with { Capabilities = null };
        var memory = Step(plan, "memory.current");
        var json = Tampered(plan, memory.Index, s => s with { Inverse = s.Inverse with { Changes = [.. s.Inverse.Changes, new ConfigurationChange("vcpus.current", "2", "1")] } });
        Assert.Equal($"p.json: step {memory.Index} (memory.current): its inverse sets vcpus.current to 1, which the step does not change{Changed}", Assert.Single(Errors(json)));
    }

    [Fact]
    public void AnInversesKind_IsRefused()
    {
        var plan = WebServer();
        var install = Step(plan, "package.nginx");
        var json = Tampered(plan, install.Index, s => s with { Inverse = s.Inverse with { Kind = StepKind.InstallPackage } });
        Assert.Equal($"p.json: step {install.Index} (package.nginx): its inverse is install-package, but the step (install-package) is undone by remove-package{Changed}", Assert.Single(Errors(json)));
    }

    [Fact]
    public void AnInversesMechanism_IsRefused()
    {
        var plan = WebServer();
        var firewall = Step(plan, "firewall.default");
        var json = Tampered(plan, firewall.Index, s => s with { Inverse = s.Inverse with { Mechanism = InverseMechanism.Snapshot } });
        Assert.Equal($"p.json: step {firewall.Index} (firewall.default): its inverse's mechanism is snapshot, but planning it again on {plan.Host} gives step{Changed}", Assert.Single(Errors(json)));
    }

    [Fact]
    public void AStepsRisk_IsRefused()
    {
        var plan = WebServer();
        var firewall = Step(plan, "firewall.default");
        var json = Tampered(plan, firewall.Index, s => s with { Risk = new StepRisk(RiskLevel.Low, "harmless") });
        var error = Assert.Single(Errors(json));
        Assert.StartsWith($"p.json: step {firewall.Index} (firewall.default): its risk is low (harmless), but planning it again on {plan.Host} gives high (drops every incoming connection", error, StringComparison.Ordinal);
        Assert.EndsWith(Changed, error, StringComparison.Ordinal);
    }

    [Fact]
    public void APrecondition_IsRefused()
    {
        var plan = WebServer();
        var memory = Step(plan, "memory.current");
        var json = Tampered(plan, memory.Index, s => s with { Preconditions = [new Precondition(PreconditionKind.MemoryWithinMaximum, "anything goes", "0")] });
        Assert.Equal($"p.json: step {memory.Index} (memory.current): its preconditions are memory-within-maximum 0: anything goes, but planning it again on {plan.Host} gives memory-within-maximum 835715072: 797 MiB ≤ maximum memory{Changed}",
            Assert.Single(Errors(json)));
    }

    [Fact]
    public void AStepsMode_IsRefused()
    {
        var plan = WebServer();
        var vcpus = Step(plan, "vcpus.current");
        var json = Tampered(plan, vcpus.Index, s => s with { Mode = StepMode.Restart });
        Assert.Contains($"p.json: step {vcpus.Index} (vcpus.current): its mode is restart, but planning it again on {plan.Host} gives live{Changed}", Errors(json));
    }

    [Fact]
    public void TheVmName_EditedWithoutTheId_IsRefusedByTheId()
    {
        var json = JsonNode.Parse(PlanFile.Save(WebServer()))!;
        json["vmName"] = "production-db";
        var error = Assert.Single(Errors(json.ToJsonString()));
        Assert.Contains("does not match the plan's content (the VM and its name, the target profile", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TheTarget_EditedWithoutTheId_IsRefusedByTheId()
    {
        var json = JsonNode.Parse(PlanFile.Save(WebServer()))!;
        json["targetProfile"] = "database-server";
        Assert.Contains("does not match the plan's content", Assert.Single(Errors(json.ToJsonString())), StringComparison.Ordinal);
    }

    [Fact]
    public void AnInverse_EditedWithoutTheId_IsRefusedByBoth()
    {
        var json = JsonNode.Parse(PlanFile.Save(WebServer()))!;
        var step = json["steps"]!.AsArray().First(s => s!["subject"]!.GetValue<string>() == "memory.current")!;
        step["inverse"]!["changes"]![0]!["after"] = "1048576";
        var errors = Errors(json.ToJsonString());
        Assert.Contains(errors, e => e.Contains("its inverse sets memory.current to 1 MiB, but undoing the step sets 256 MiB", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("p.json: id ", StringComparison.Ordinal));
    }

    [Fact]
    public void ADisplayText_IsRefusedNamingItsPath()
    {
        var json = JsonNode.Parse(PlanFile.Save(WebServer()))!;
        json["steps"]![0]!["changes"]![0]!["display"] = "~ memory.maximum: harmless";
        Assert.Equal("p.json: $.steps[0].changes[0].display is \"~ memory.maximum: harmless\", but the plan gives \"~ memory.maximum: 512 MiB -> 797 MiB\"" + Changed,
            Assert.Single(Errors(json.ToJsonString())));
    }

    [Fact]
    public void AnUnknownProperty_IsRefused()
    {
        var json = JsonNode.Parse(PlanFile.Save(WebServer()))!;
        json["approvedBy"] = "security team";
        Assert.Equal("p.json: $.approvedBy is not part of a plan (property names are case-sensitive)" + Changed, Assert.Single(Errors(json.ToJsonString())));
    }

    // Found by the fuzzing harness (tests/Vmorph.Fuzz.Tests): .NET's "(Parameter 'path')" in the message.
    [Fact]
    public void AnUnknownBasePath_IsRefusedInWords()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(PlanFile.Save(WebServer()))!;
        json["base"]!["configuration"]!["kind"] = "x";
        var error = Assert.Single(Errors(json.ToJsonString()));
        Assert.Equal("p.json: base.configuration: unknown configuration path 'kind'", error);
    }

    // Found by the fuzzing harness: JSON's message quotes the text it stopped at, line break included.
    [Fact]
    public void InvalidJsonBeforeALineBreak_IsRefusedOnOneLine()
    {
        var json = PlanFile.Save(WebServer()).Replace("true", "tru", StringComparison.Ordinal);
        var error = Assert.Single(Errors(json));
        Assert.StartsWith("p.json: not valid JSON at line ", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void AFileOverTheSizeLimit_IsRefusedBeforeItIsRead()
    {
        var json = "{\"kind\":\"vmorph-plan\",\"formatVersion\":2,\"pad\":\"" + new string('x', PlanFile.MaxBytes) + "\"}";
        Assert.Equal("p.json: larger than 4 MiB; not a plan vmorph wrote", Assert.Single(Errors(json)));
    }

    [Fact]
    public void JsonNestedTooDeep_IsRefusedCleanly()
    {
        var json = "{\"kind\":\"vmorph-plan\",\"formatVersion\":2,\"steps\":" + new string('[', 200) + new string(']', 200) + "}";
        var error = Assert.Single(Errors(json));
        Assert.StartsWith("p.json: not valid JSON at line 1, position ", error, StringComparison.Ordinal);
        Assert.EndsWith(": nested deeper than 16 levels (a plan nests at most 6)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedJson_SaysWhereWithoutTypeNames()
    {
        var error = Assert.Single(Errors("{\n  \"kind\": \"vmorph-plan\",\n  \"formatVersion\": 2,\n  \"id\": oops\n}"));
        Assert.StartsWith("p.json: not valid JSON at line 4, position 9: ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AValueOfTheWrongKind_SaysItsPathWithoutTypeNames()
    {
        var json = JsonNode.Parse(PlanFile.Save(WebServer()))!;
        json["steps"]![0]!["kind"] = "explode";
        var error = Assert.Single(Errors(json.ToJsonString()));
        Assert.Equal("p.json: $.steps[0].kind: not a value a plan has there (a wrong type, or a name vmorph does not know)", error);
    }

    [Fact]
    public void FormatVersionAsAString_SaysItMustBeTheNumber()
    {
        var json = JsonNode.Parse(PlanFile.Save(WebServer()))!;
        json["formatVersion"] = "1";
        Assert.Equal("p.json: formatVersion must be the number 2 (this vmorph reads format 2), not \"1\"; make the plan again with this vmorph", Assert.Single(Errors(json.ToJsonString())));
    }

    [Fact]
    public void RenderedText_ShowsTheInverseOfHighRiskSteps_AndOfEveryStepWhenAsked()
    {
        var plan = WebServer();
        Assert.Contains("undo: - firewall.default (was deny) (guest)", PlanRenderer.Text(plan), StringComparison.Ordinal);
        Assert.DoesNotContain("undo: ~ memory.current", PlanRenderer.Text(plan), StringComparison.Ordinal);
        var all = PlanRenderer.Text(plan, inverses: true);
        Assert.Contains("undo: ~ memory.current: 797 MiB -> 256 MiB (live)", all, StringComparison.Ordinal);
        Assert.Contains("undo: + package.telnetd = 0.17-44 (guest); reinstalls the package; its version may differ", all, StringComparison.Ordinal);
        Assert.Equal(plan.Steps.Count(s => s.Kind != StepKind.RestartVm), all.Split('\n').Count(l => l.TrimStart().StartsWith("undo: ", StringComparison.Ordinal)));
    }
}
