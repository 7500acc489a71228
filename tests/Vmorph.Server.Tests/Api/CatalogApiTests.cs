using System.Net;
using System.Text;

namespace Vmorph.Server.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class CatalogApiTests(ApiFixture api)
{
    private const string NightPolicy = """
        policies:
          - name: night-shift
            description: small at night
            match:
              labels: { shift: night }
            triggers:
              resource-demand:
                cpu-percentile: 0.95
        """;

    private const string BatchTarget = """
        apiVersion: vmorph/v1
        kind: TargetProfile
        metadata:
          name: batch-node
          description: a batch worker
        spec:
          resources:
            vcpus: p95(cpu) * 1.2, min 1, max 8
            memory: 4GiB
        """;

    [Fact]
    public async Task Policies_ListTheBuiltIns()
    {
        using var client = api.Client("viewer");
        var page = await ApiAssert.JsonAsync(await client.GetAsync("/api/v1/policies?limit=500"));
        var names = page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Contains("vmorph", names);
        Assert.Contains("office-hours", names);
        var office = page.GetProperty("items").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "office-hours");
        Assert.Equal("office-hours", office.GetProperty("match").GetProperty("labels").GetProperty("schedule").GetString());
        Assert.Contains("scheduled", office.GetProperty("triggers").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task PolicyValidate_GoodDocument_ListsItsPolicies_AndStoresNothing()
    {
        using var client = api.Client("viewer");
        var answer = await ApiAssert.JsonAsync(await client.PostAsync("/api/v1/policies/validate", Yaml(NightPolicy)));
        Assert.True(answer.GetProperty("valid").GetBoolean());
        Assert.Equal("night-shift", answer.GetProperty("items")[0].GetProperty("name").GetString());
        Assert.False(Directory.Exists(Path.Combine(api.DataDirectory, "policies")) && File.Exists(Path.Combine(api.DataDirectory, "policies", "night-shift.yaml")));
    }

    [Fact]
    public async Task PolicyValidate_BadDocument_Is422ListingEveryErrorWithItsField()
    {
        using var client = api.Client("viewer");
        var bad = NightPolicy.Replace("cpu-percentile: 0.95", "cpu-percentile: 7", StringComparison.Ordinal) + "\n    cooldown: 5x\n";
        var problem = await ApiAssert.ProblemAsync(await client.PostAsync("/api/v1/policies/validate", Yaml(bad)), HttpStatusCode.UnprocessableEntity);
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.Contains("request body: policy 'night-shift': cooldown", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("cpu-percentile", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PolicyValidate_YamlBomb_Is422NotAHang()
    {
        using var client = api.Client("viewer");
        const string bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n";
        var problem = await ApiAssert.ProblemAsync(await client.PostAsync("/api/v1/policies/validate", Yaml(bomb)), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("alias", problem.GetProperty("errors")[0].GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PolicyPut_ByAnAdmin_IsStoredOwnerOnly_ThenReplaced()
    {
        using var operatorClient = api.Client("operator");
        await ApiAssert.ProblemAsync(await operatorClient.PutAsync("/api/v1/policies/night-shift", Yaml(NightPolicy)), HttpStatusCode.Forbidden);

        using var admin = api.Client("admin");
        var created = await ApiAssert.JsonAsync(await admin.PutAsync("/api/v1/policies/night-shift", Yaml(NightPolicy)), HttpStatusCode.Created);
        Assert.Equal("policies/night-shift.yaml", created.GetProperty("file").GetString());
        var path = Path.Combine(api.DataDirectory, "policies", "night-shift.yaml");
        Assert.Equal(NightPolicy, await File.ReadAllTextAsync(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));

        var replaced = await ApiAssert.JsonAsync(await admin.PutAsync("/api/v1/policies/night-shift", Yaml(NightPolicy.Replace("small at night", "smaller at night", StringComparison.Ordinal))));
        Assert.True(replaced.GetProperty("replaced").GetBoolean());
        var listed = await ApiAssert.JsonAsync(await admin.GetAsync("/api/v1/policies?limit=500"));
        var night = listed.GetProperty("items").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "night-shift");
        Assert.Equal("smaller at night", night.GetProperty("description").GetString());
        Assert.Equal("policies/night-shift.yaml", night.GetProperty("source").GetString());
        Assert.Contains(api.Audit.Entries, e => e is { Action: "policy.put", Target: "night-shift", Actor: "token:test-admin" });
    }

    [Fact]
    public async Task PolicyPut_WhoseDocumentDoesNotDefineTheName_Is422AndStoresNothing()
    {
        using var admin = api.Client("admin");
        await ApiAssert.ProblemAsync(await admin.PutAsync("/api/v1/policies/other-name", Yaml(NightPolicy)), HttpStatusCode.UnprocessableEntity);
        Assert.False(File.Exists(Path.Combine(api.DataDirectory, "policies", "other-name.yaml")));
        await ApiAssert.ProblemAsync(await admin.PutAsync("/api/v1/policies/..%2Fescape", Yaml(NightPolicy)), HttpStatusCode.BadRequest, "file name");
    }

    [Fact]
    public async Task Targets_ValidateAndPut()
    {
        using var viewer = api.Client("viewer");
        var valid = await ApiAssert.JsonAsync(await viewer.PostAsync("/api/v1/targets/validate", Yaml(BatchTarget)));
        Assert.Equal("batch-node", valid.GetProperty("items")[0].GetProperty("name").GetString());
        var invalid = await ApiAssert.ProblemAsync(await viewer.PostAsync("/api/v1/targets/validate", Yaml(BatchTarget.Replace("memory: 4GiB", "memory: lots", StringComparison.Ordinal))), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("memory", invalid.GetProperty("errors")[0].GetString(), StringComparison.Ordinal);

        using var admin = api.Client("admin");
        await ApiAssert.JsonAsync(await admin.PutAsync("/api/v1/targets/batch-node", Yaml(BatchTarget)), HttpStatusCode.Created);
        var listed = await ApiAssert.JsonAsync(await viewer.GetAsync("/api/v1/targets"));
        var names = listed.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Contains("batch-node", names);
        Assert.Contains("web-server", names);
    }

    private static StringContent Yaml(string text) => new(text, Encoding.UTF8, "application/yaml");
}
