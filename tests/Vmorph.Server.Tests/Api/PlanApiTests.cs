using System.Net;
using System.Text;

namespace Vmorph.Server.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class PlanApiTests(ApiFixture api)
{
    [Fact]
    public async Task Plan_IsCreatedShownListedAndApproved_EachMutationAudited()
    {
        var (id, name) = api.Vms[0];
        using var client = api.Client("operator");

        var created = await client.PostAsync($"/api/v1/vms/{name}/plans", Json("{\"target\": \"web-server\"}"));
        var plan = await ApiAssert.JsonAsync(created, HttpStatusCode.Created);
        var planId = plan.GetProperty("planId").GetString()!;
        Assert.Equal("pending", plan.GetProperty("state").GetString());
        Assert.Equal("token:test-operator", plan.GetProperty("origin").GetString());
        Assert.Equal($"/api/v1/vms/{Uri.EscapeDataString(id)}/plans/{planId}", created.Headers.Location?.OriginalString);

        var shown = await ApiAssert.JsonAsync(await client.GetAsync($"/api/v1/vms/{id}/plans/{planId}"));
        Assert.Equal("web-server", shown.GetProperty("target").GetString());
        var listed = await ApiAssert.JsonAsync(await client.GetAsync($"/api/v1/vms/{id}/plans?limit=1"));
        Assert.Equal(planId, listed.GetProperty("items")[0].GetProperty("planId").GetString());
        var pending = await ApiAssert.JsonAsync(await client.GetAsync($"/api/v1/vms/{id}"));
        Assert.Equal(planId, pending.GetProperty("pending").GetProperty("planId").GetString());

        var approved = await ApiAssert.JsonAsync(await client.PostAsync($"/api/v1/vms/{id}/plans/{planId}/approve", null), HttpStatusCode.Accepted);
        Assert.Equal("approved", approved.GetProperty("state").GetString());
        Assert.Equal("token:test-operator", approved.GetProperty("decidedBy").GetString());

        var audit = api.Audit.Entries;
        Assert.Contains(audit, e => e is { Action: "plan.create", Actor: "token:test-operator", Result: "ok" } && e.Target == name);
        Assert.Contains(audit, e => e is { Action: "plan.approve", Actor: "token:test-operator", Result: "accepted" } && e.Target == $"{id}/{planId}");
    }

    [Fact]
    public async Task Reject_RecordsTheReason_AndWithoutOneIs422()
    {
        var (id, _) = api.Vms[1];
        using var client = api.Client("operator");
        var plan = await ApiAssert.JsonAsync(await client.PostAsync($"/api/v1/vms/{id}/plans", Json("{\"target\": \"database-server\"}")), HttpStatusCode.Created);
        var planId = plan.GetProperty("planId").GetString();

        var problem = await ApiAssert.ProblemAsync(await client.PostAsync($"/api/v1/vms/{id}/plans/{planId}/reject", Json("{\"reason\": \"  \"}")), HttpStatusCode.UnprocessableEntity);
        Assert.StartsWith("reason: ", problem.GetProperty("errors")[0].GetString(), StringComparison.Ordinal);
        var rejected = await ApiAssert.JsonAsync(await client.PostAsync($"/api/v1/vms/{id}/plans/{planId}/reject", Json("{\"reason\": \"not during the sale\"}")));

        Assert.Equal("rejected", rejected.GetProperty("state").GetString());
        Assert.Equal("not during the sale", rejected.GetProperty("rejectedBecause").GetString());
        Assert.Contains(api.Audit.Entries, e => e.Action == "plan.reject" && e.Result.StartsWith("422: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownTarget_IsTheLoops404()
    {
        using var client = api.Client("operator");
        await ApiAssert.ProblemAsync(await client.PostAsync($"/api/v1/vms/{api.Vms[0].Id}/plans", Json("{\"target\": \"no-such-target\"}")), HttpStatusCode.NotFound, "no-such-target");
    }

    [Fact]
    public async Task Rollback_Is202WithTheMorph()
    {
        using var client = api.Client("operator");
        var answer = await ApiAssert.JsonAsync(await client.PostAsync($"/api/v1/vms/{api.Vms[0].Id}/rollback", null), HttpStatusCode.Accepted);
        Assert.StartsWith("rollback", answer.GetProperty("morphId").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Labels_AreSetAndRemoved_AndReadBack()
    {
        var (id, _) = api.Vms[2];
        using var client = api.Client("operator");
        using var set = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/vms/{id}/labels") { Content = Json("{\"env\": \"prod\", \"tier\": null}") };
        var after = await ApiAssert.JsonAsync(await client.SendAsync(set));
        Assert.Equal("prod", after.GetProperty("env").GetString());
        Assert.False(after.TryGetProperty("tier", out _));

        using var viewer = api.Client("viewer");
        var read = await ApiAssert.JsonAsync(await viewer.GetAsync($"/api/v1/vms/{id}/labels"));
        Assert.Equal("prod", read.GetProperty("env").GetString());
    }

    [Fact]
    public async Task Morphs_OfAVmWithoutAny_IsAnEmptyPage()
    {
        using var client = api.Client("viewer");
        var page = await ApiAssert.JsonAsync(await client.GetAsync($"/api/v1/vms/{api.Vms[0].Id}/morphs"));
        Assert.Equal(0, page.GetProperty("total").GetInt32());
        Assert.Equal(50, page.GetProperty("limit").GetInt32());
    }

    [Fact]
    public async Task Audit_IsListedForAdmins_NewestFirst()
    {
        using var operatorClient = api.Client("operator");
        await ApiAssert.JsonAsync(await operatorClient.PostAsync($"/api/v1/vms/{api.Vms[1].Id}/rollback", null), HttpStatusCode.Accepted);
        using var admin = api.Client("admin");
        var page = await ApiAssert.JsonAsync(await admin.GetAsync("/api/v1/audit?limit=1"));

        Assert.Equal("vm.rollback", page.GetProperty("items")[0].GetProperty("action").GetString());
        Assert.Equal(1, page.GetProperty("items").GetArrayLength());
        await ApiAssert.ProblemAsync(await operatorClient.GetAsync("/api/v1/audit"), HttpStatusCode.Forbidden);
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
}
