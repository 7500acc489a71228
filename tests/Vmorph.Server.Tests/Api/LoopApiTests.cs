using System.Net;
using System.Text;
using System.Text.Json;

namespace Vmorph.Server.Tests.Api;

/// <summary>The endpoints that steer the loop, against the real loop replaying Bitbrains VMs.</summary>
[Collection(LoopApiCollection.Name)]
public sealed class LoopApiTests(LoopApiFixture api)
{
    [Fact]
    public async Task Fleet_OfAReplay_SaysSoOnTheListAndEveryVm()
    {
        using var client = api.Client("viewer");
        var fleet = await ApiAssert.JsonAsync(await client.GetAsync("/api/v1/fleet"));
        Assert.True(fleet.GetProperty("replay").GetBoolean());
        Assert.All(fleet.GetProperty("items").EnumerateArray(), item =>
        {
            Assert.True(item.GetProperty("replay").GetBoolean());
            Assert.StartsWith("replay:", item.GetProperty("source").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(item.GetProperty("policy").GetString()));
            Assert.True(item.GetProperty("lastObserved").GetDateTimeOffset() > DateTimeOffset.UnixEpoch);
        });
        var vm = await ApiAssert.JsonAsync(await client.GetAsync($"/api/v1/vms/{api.Vms[0]}"));
        Assert.True(vm.GetProperty("replay").GetBoolean());
        Assert.Equal(api.Vms[0], vm.GetProperty("profile").GetProperty("id").GetString());
    }

    [Fact]
    public async Task PersonsPlan_IsAppliedByTheLoop_ThenInTheMorphsJournalAndHistory_ThenRolledBack()
    {
        var vm = api.Vms[0];
        using var client = api.Client("operator");
        var plan = await ApiAssert.JsonAsync(await client.PostAsync($"/api/v1/vms/{vm}/plans", Json("{\"target\": \"development\"}")), HttpStatusCode.Created);
        var planId = plan.GetProperty("planId").GetString()!;
        Assert.Equal("pending", plan.GetProperty("state").GetString());
        Assert.Equal("token:test-operator", plan.GetProperty("origin").GetString());
        Assert.False(string.IsNullOrEmpty(plan.GetProperty("rendered").GetString()));

        var applying = await client.PostAsync($"/api/v1/vms/{vm}/plans/{planId}/apply", null);
        Assert.True(applying.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, await applying.Content.ReadAsStringAsync());
        var applied = await LoopApiFixture.WaitForAsync(async () =>
        {
            var shown = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/vms/{vm}/plans/{planId}")).RootElement;
            return shown.GetProperty("state").GetString() is "pending" or "approved" ? (JsonElement?)null : shown.Clone();
        }, TimeSpan.FromSeconds(90), "the plan applied");
        Assert.Equal("applied", applied.GetProperty("state").GetString());
        var morphId = applied.GetProperty("morphId").GetString()!;

        var morphs = await ApiAssert.JsonAsync(await client.GetAsync($"/api/v1/vms/{vm}/morphs"));
        var morph = morphs.GetProperty("items").EnumerateArray().Single(m => m.GetProperty("morphId").GetString() == morphId);
        Assert.Equal("committed", morph.GetProperty("result").GetString());
        Assert.Equal(planId, morph.GetProperty("planId").GetString());
        var journal = await ApiAssert.JsonAsync(await client.GetAsync($"/api/v1/morphs/{morphId}/journal"));
        Assert.Equal("committed", journal.GetProperty("entries").EnumerateArray().Last().GetProperty("phase").GetString());
        Assert.Equal(1, journal.GetProperty("entries")[0].GetProperty("sequence").GetInt64());
        var history = await ApiAssert.JsonAsync(await client.GetAsync($"/api/v1/vms/{vm}/history"));
        Assert.Contains(history.GetProperty("morphs").EnumerateArray(), m => m.GetProperty("morph").GetString() == morphId);

        var rollback = await ApiAssert.JsonAsync(await client.PostAsync($"/api/v1/vms/{vm}/rollback", null), HttpStatusCode.Accepted);
        Assert.False(string.IsNullOrEmpty(rollback.GetProperty("morphId").GetString()));
        Assert.Contains(api.Audit.Entries, e => e is { Action: "plan.apply", Actor: "token:test-operator" } && e.Target == $"{vm}/{planId}");
        Assert.Contains(api.Audit.Entries, e => e is { Action: "vm.rollback", Result: "accepted" });
    }

    [Fact]
    public async Task PersonsPlan_Rejected_KeepsTheReason_AndCannotBeAppliedThen()
    {
        var vm = api.Vms[1];
        using var client = api.Client("operator");
        var plan = await ApiAssert.JsonAsync(await client.PostAsync($"/api/v1/vms/{vm}/plans", Json("{\"target\": \"web-server\"}")), HttpStatusCode.Created);
        var planId = plan.GetProperty("planId").GetString();

        var rejected = await ApiAssert.JsonAsync(await client.PostAsync($"/api/v1/vms/{vm}/plans/{planId}/reject", Json("{\"reason\": \"not during the sale\"}")));
        Assert.Equal("rejected", rejected.GetProperty("state").GetString());
        Assert.Equal("not during the sale", rejected.GetProperty("rejectedBecause").GetString());
        await ApiAssert.ProblemAsync(await client.PostAsync($"/api/v1/vms/{vm}/plans/{planId}/apply", null), HttpStatusCode.Conflict);
        await ApiAssert.ProblemAsync(await client.PostAsync($"/api/v1/vms/{vm}/plans", Json("{\"target\": \"no-such-target\"}")), HttpStatusCode.NotFound, "no-such-target");
    }

    [Fact]
    public async Task Labels_SetThroughTheLoop_AreStreamedAsAnEvent_AndMatchPolicies()
    {
        var vm = api.Vms[2];
        using var viewer = api.Client("viewer");
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var response = await viewer.GetAsync("/api/v1/events", HttpCompletionOption.ResponseHeadersRead, stop.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
        Assert.Equal(": vmorph events", await reader.ReadLineAsync(stop.Token));

        using var operatorClient = api.Client("operator");
        using var set = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/vms/{vm}/labels") { Content = Json("{\"schedule\": \"office-hours\"}") };
        var after = await ApiAssert.JsonAsync(await operatorClient.SendAsync(set, stop.Token));
        Assert.Equal("office-hours", after.GetProperty("schedule").GetString());

        string? line;
        JsonElement? change = null;
        while (change is null && (line = await reader.ReadLineAsync(stop.Token)) is not null)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var data = JsonDocument.Parse(line["data: ".Length..]).RootElement;
            if (data.GetProperty("kind").GetString() == "labels" && data.GetProperty("vm").GetString() == vm) change = data.Clone();
        }
        Assert.NotNull(change);
        await stop.CancelAsync();

        var read = await ApiAssert.JsonAsync(await viewer.GetAsync($"/api/v1/vms/{vm}"));
        Assert.Equal("office-hours", read.GetProperty("labels").GetProperty("schedule").GetString());
        Assert.Equal("office-hours", read.GetProperty("policy").GetString());
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
}
