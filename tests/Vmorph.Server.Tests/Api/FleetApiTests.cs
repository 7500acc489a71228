using System.Net;
using System.Text.Json;
using Vmorph.Storage.Sqlite;
using Vmorph.Traits;
using Vmorph.Views;

namespace Vmorph.Server.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class FleetApiTests(ApiFixture api)
{
    [Fact]
    public async Task Fleet_PagesThroughEveryVm_InNaturalOrderOfNames()
    {
        using var client = api.Client("viewer");
        var first = await ApiAssert.JsonAsync(await client.GetAsync("/api/v1/fleet?limit=2"));
        var second = await ApiAssert.JsonAsync(await client.GetAsync("/api/v1/fleet?offset=2&limit=2"));

        Assert.Equal(api.Vms.Count, first.GetProperty("total").GetInt32());
        Assert.Equal(0, first.GetProperty("offset").GetInt32());
        Assert.Equal(2, first.GetProperty("limit").GetInt32());
        Assert.False(first.GetProperty("replay").GetBoolean());
        var names = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(i => i.GetProperty("name").GetString()).ToList();
        Assert.Equal(api.Vms.Select(v => v.Name), names);
    }

    [Fact]
    public async Task Fleet_Item_JoinsTheStoreAndTheLoop()
    {
        using var client = api.Client("viewer");
        var item = (await ApiAssert.JsonAsync(await client.GetAsync("/api/v1/fleet"))).GetProperty("items")[0];

        Assert.Equal(api.Vms[0].Id, item.GetProperty("id").GetString());
        Assert.Equal("running", item.GetProperty("state").GetString());
        Assert.Equal("vmorph", item.GetProperty("policy").GetString());
        Assert.Equal(4, item.GetProperty("cores").GetDouble());
        Assert.True(item.GetProperty("samples").GetInt64() > 1000);
        Assert.Equal(3, item.GetProperty("traits").GetArrayLength());
        Assert.False(string.IsNullOrEmpty(item.GetProperty("workload").GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Fleet_SortsDescendingAndFilters()
    {
        using var client = api.Client("viewer");
        var sorted = await ApiAssert.JsonAsync(await client.GetAsync("/api/v1/fleet?sort=-samples"));
        var samples = sorted.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("samples").GetInt64()).ToList();
        Assert.Equal(samples.OrderDescending(), samples);

        var filtered = await ApiAssert.JsonAsync(await client.GetAsync($"/api/v1/fleet?q={api.Vms[1].Id}"));
        Assert.Equal(1, filtered.GetProperty("total").GetInt32());
        Assert.Equal(api.Vms[1].Name, filtered.GetProperty("items")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Fleet_PageSortedByTheStore_AsksTheLoopOnlyForItsOwnVms()
    {
        using var client = api.Client("viewer");
        var before = api.Loop.StatesAsked;
        var page = await ApiAssert.JsonAsync(await client.GetAsync("/api/v1/fleet?offset=1&limit=1&sort=-samples"));

        Assert.True(api.Vms.Count > 1, "the fixture needs more VMs than a page");
        Assert.Equal(api.Vms.Count, page.GetProperty("total").GetInt32());
        Assert.Equal(1, page.GetProperty("items").GetArrayLength());
        Assert.Equal(1, api.Loop.StatesAsked - before);
    }

    [Theory]
    [InlineData("name")]
    [InlineData("-name")]
    [InlineData("source")]
    [InlineData("samples")]
    [InlineData("-lastSample")]
    public async Task Fleet_PagedBeforeAskingTheLoop_IsThePageOfTheWholeFleetsStates(string sort)
    {
        // An empty filter matches every VM but takes the path that asks every grain before sorting.
        using var client = api.Client("viewer");
        for (var offset = 0; offset < api.Vms.Count; offset++)
        {
            var paged = await client.GetStringAsync($"/api/v1/fleet?offset={offset}&limit=1&sort={sort}");
            var whole = await client.GetStringAsync($"/api/v1/fleet?offset={offset}&limit=1&sort={sort}&q=");
            Assert.Equal(whole, paged);
        }
    }

    [Theory]
    [InlineData("limit=0", "'limit'")]
    [InlineData("limit=501", "'limit'")]
    [InlineData("limit=ten", "'limit'")]
    [InlineData("offset=-1", "'offset'")]
    [InlineData("sort=size", "'sort'")]
    [InlineData("traits=many", "'traits'")]
    public async Task Fleet_BadQuery_Is400NamingTheParameter(string query, string named)
    {
        using var client = api.Client("viewer");
        await ApiAssert.ProblemAsync(await client.GetAsync("/api/v1/fleet?" + query), HttpStatusCode.BadRequest, named);
    }

    [Fact]
    public async Task Vm_ByName_HasTheProfileTheCliPrints()
    {
        var (id, name) = api.Vms[0];
        using var client = api.Client("viewer");
        var vm = await ApiAssert.JsonAsync(await client.GetAsync($"/api/v1/vms/{name}"));

        using var store = SqliteFleetStore.Open(Path.Combine(api.DataDirectory, "vmorph.db"), api.Clock);
        var p = (await store.FindAsync(id, CancellationToken.None))!.Profile;
        var catalog = ArchetypeCatalog.BuiltIn;
        var features = FeatureExtractor.Extract(p, catalog);
        var traits = TraitScorer.Score(features, catalog);
        var expected = JsonViews.Serialize(JsonViews.Profile(p, features, traits, WorkloadClassifier.Classify(traits, catalog.Classification)));
        Assert.Equal(id, vm.GetProperty("id").GetString());
        Assert.Equal(Normalise(expected), Normalise(vm.GetProperty("profile").GetRawText()));
    }

    [Fact]
    public async Task Traits_AreTheCliView()
    {
        var (id, _) = api.Vms[1];
        using var client = api.Client("viewer");
        var traits = await ApiAssert.JsonAsync(await client.GetAsync($"/api/v1/vms/{id}/traits"));

        Assert.Equal(id, traits.GetProperty("id").GetString());
        var first = traits.GetProperty("traits")[0];
        Assert.True(first.TryGetProperty("explanation", out _));
        Assert.True(first.TryGetProperty("contributions", out _));
        Assert.True(first.GetProperty("score").GetDouble() >= traits.GetProperty("traits")[1].GetProperty("score").GetDouble());
    }

    [Fact]
    public async Task History_ListsTheConfigurationVersions()
    {
        using var client = api.Client("viewer");
        var history = await ApiAssert.JsonAsync(await client.GetAsync($"/api/v1/vms/{api.Vms[0].Id}/history"));

        var versions = history.GetProperty("versions");
        Assert.True(versions.GetArrayLength() >= 1);
        Assert.Equal(1, versions[0].GetProperty("version").GetInt32());
        Assert.Equal(JsonValueKind.Object, versions[0].GetProperty("configuration").ValueKind);
        Assert.Equal(0, history.GetProperty("morphs").GetArrayLength());
    }

    [Fact]
    public async Task Usage_HasOnePointPerSampleOfTheRawWindow_WithNullWhereNotMeasured()
    {
        var (id, _) = api.Vms[0];
        using var client = api.Client("viewer");
        var usage = await ApiAssert.JsonAsync(await client.GetAsync($"/api/v1/vms/{id}/usage"));

        using var store = SqliteFleetStore.Open(Path.Combine(api.DataDirectory, "vmorph.db"), api.Clock);
        var recent = (await store.LoadRecentAsync(new Identity.VmId(id), CancellationToken.None))!;
        var points = usage.GetProperty("points");
        Assert.Equal(recent.Samples.Count, points.GetArrayLength());
        Assert.Equal(300, usage.GetProperty("stepSeconds").GetInt64());
        var last = recent.Samples[^1];
        Assert.Equal(last.Cpu!.Value.Value, points[points.GetArrayLength() - 1].GetProperty("coresUsed").GetDouble(), 6);
        Assert.Equal(last.At, points[points.GetArrayLength() - 1].GetProperty("at").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("/api/v1/vms/no-such-vm")]
    [InlineData("/api/v1/vms/no-such-vm/traits")]
    [InlineData("/api/v1/vms/no-such-vm/history")]
    [InlineData("/api/v1/vms/no-such-vm/usage")]
    [InlineData("/api/v1/vms/no-such-vm/plans")]
    [InlineData("/api/v1/vms/no-such-vm/morphs")]
    [InlineData("/api/v1/vms/no-such-vm/labels")]
    [InlineData("/api/v1/morphs/no-such-morph/journal")]
    public async Task UnknownVmOrMorph_Is404Problem(string path)
    {
        using var client = api.Client("viewer");
        await ApiAssert.ProblemAsync(await client.GetAsync(path), HttpStatusCode.NotFound, "no-such-");
    }

    // The API writes compactly, the CLI indented and with relaxed escaping: the same JSON once both are re-read.
    private static string Normalise(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement, JsonViews.Options);
}
