using System.Text.Json.Nodes;
using Vmorph.Identity;
using Vmorph.Planning;
using Vmorph.Units;

namespace Vmorph.Morphing.Tests.Planning;

public class PlanFileTests
{
    private static Plan WebServer() => Fixtures.Plan(Fixtures.Request(Fixtures.Catalog.Find("web-server").Value, profile: Fixtures.Profile(1.2, MemorySize.FromMiB(600))));

    [Fact]
    public void SaveThenLoad_GivesTheSamePlan()
    {
        var plan = WebServer();
        var loaded = PlanFile.Load(PlanFile.Save(plan)).Value;
        Assert.Equal(plan.Id, loaded.Id);
        Assert.Equal(PlanFile.Save(plan), PlanFile.Save(loaded));
        Assert.Equal(plan.Steps.Select(s => (s.Index, s.Kind, s.Mode, s.Channel, s.RequiresSnapshot)), loaded.Steps.Select(s => (s.Index, s.Kind, s.Mode, s.Channel, s.RequiresSnapshot)));
        Assert.Equal(plan.ExpectedHash, loaded.ExpectedConfiguration().ContentHash());
    }

    [Fact]
    public void Load_AnotherFormatVersion_IsRefused()
    {
        var json = JsonNode.Parse(PlanFile.Save(WebServer()))!;
        json["formatVersion"] = 3;
        Assert.Equal("plan.json: formatVersion must be the number 2 (this vmorph reads format 2), not 3; make the plan again with this vmorph", Assert.Single(PlanFile.Load(json.ToJsonString(), "plan.json").Errors));
        json["formatVersion"] = 1;
        Assert.Equal("plan.json: formatVersion 1 was written by an earlier vmorph, whose plan ids did not cover the steps' inverses, so it cannot be trusted; make the plan again with this vmorph (format 2)", Assert.Single(PlanFile.Load(json.ToJsonString(), "plan.json").Errors));
    }

    [Fact]
    public void Load_NotAPlan_IsRefused()
    {
        Assert.Equal("plan.json: not a vmorph plan (its \"kind\" is not \"vmorph-plan\")", Assert.Single(PlanFile.Load("{\"kind\":\"profile\"}", "plan.json").Errors));
        Assert.StartsWith("plan.json: not valid JSON at line 1, position 2: ", Assert.Single(PlanFile.Load("{oops", "plan.json").Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EditedStep_IsRefusedAsDamaged()
    {
        var json = JsonNode.Parse(PlanFile.Save(WebServer()))!;
        var step = json["steps"]!.AsArray().First(s => s!["kind"]!.GetValue<string>() == "set-vcpus")!;
        step["changes"]![0]!["after"] = "64";
        var errors = PlanFile.Load(json.ToJsonString(), "plan.json").Errors;
        Assert.Contains(errors, e => e.StartsWith("plan.json: the steps do not lead to expectedHash", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("plan.json: id ", StringComparison.Ordinal));
    }

    [Fact]
    public void ApplyCheck_UnchangedVm_IsAllowed()
    {
        var plan = WebServer();
        Assert.True(ApplyCheck.Verify(plan, Fixtures.LabId, Fixtures.LabVm with { }).IsSuccess);
    }

    [Fact]
    public void ApplyCheck_VmChangedSinceThePlan_IsRefusedWithTheDifference()
    {
        var plan = PlanFile.Load(PlanFile.Save(WebServer())).Value;
        var now = Fixtures.LabVm with
        {
            Memory = MemorySize.FromMiB(384),
            Guest = Fixtures.LabVm.Guest.Add("package.nginx", "1.22.1-9").Remove("package.telnetd"),
        };
        var result = ApplyCheck.Verify(plan, Fixtures.LabId, now);
        Assert.Equal(
        [
            $"VM 'lab-1' has changed since plan {plan.Id} was made (configuration {plan.BaseHash[..12]} then, {now.ContentHash()[..12]} now); apply refused, make a new plan. What changed:",
            "  + package.nginx = 1.22.1-9",
            "  - package.telnetd",
            "  ~ memory.current: 256 MiB -> 384 MiB",
        ], result.Errors);
        Assert.Equal(3, ApplyCheck.Differences(plan, now).Count);
    }

    [Fact]
    public void ApplyCheck_AnotherVm_IsRefused()
    {
        var plan = WebServer();
        Assert.Equal($"plan {plan.Id} was made for VM 'lab-1' ({Fixtures.LabId}), not for other; apply refused",
            Assert.Single(ApplyCheck.Verify(plan, new VmId("other"), Fixtures.LabVm).Errors));
    }

    [Fact]
    public void Load_AShellStringSmuggledInAsAPackageName_IsRefused()
    {
        var json = JsonNode.Parse(PlanFile.Save(WebServer()))!;
        var step = json["steps"]!.AsArray().First(s => s!["kind"]!.GetValue<string>() == "install-package")!;
        step["changes"]![0]!["path"] = "guest.package.nginx;reboot";
        Assert.Contains("plan.json: package.nginx;reboot: 'nginx;reboot' is not a Debian package name: at least two characters of a-z, 0-9, '+', '-', '.', starting with a letter or digit",
            PlanFile.Load(json.ToJsonString(), "plan.json").Errors);
    }

    [Fact]
    public void Load_AnSshValueWithANewline_IsRefused()
    {
        var json = JsonNode.Parse(PlanFile.Save(WebServer()))!;
        var step = json["steps"]!.AsArray().First(s => s!["kind"]!.GetValue<string>() == "set-ssh")!;
        step["changes"]![0]!["after"] = "no\nPermitEmptyPasswords yes";
        Assert.Contains("plan.json: ssh.password-authentication: 'no\nPermitEmptyPasswords yes' is not one of yes, no", PlanFile.Load(json.ToJsonString(), "plan.json").Errors);
    }
}
