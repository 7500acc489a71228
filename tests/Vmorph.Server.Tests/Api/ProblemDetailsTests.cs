using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Vmorph.Server.Tests.Api;

/// <summary>Every error path answers RFC 7807 problem details that say what was wrong and never show the server's insides.</summary>
[Collection(ApiCollection.Name)]
public sealed class ProblemDetailsTests(ApiFixture api)
{
    [Fact]
    public async Task NoToken_Is401Problem()
    {
        using var client = api.Client();
        await ApiAssert.ProblemAsync(await client.GetAsync("/api/v1/fleet"), HttpStatusCode.Unauthorized, "Authorization: Bearer");
    }

    [Fact]
    public async Task ViewerMutating_Is403Problem()
    {
        using var client = api.Client("viewer");
        await ApiAssert.ProblemAsync(await client.PostAsync($"/api/v1/vms/{api.Vms[0].Id}/rollback", null), HttpStatusCode.Forbidden, "needs the operator role");
    }

    [Fact]
    public async Task UnknownPath_Is404Problem()
    {
        using var client = api.Client("viewer");
        await ApiAssert.ProblemAsync(await client.GetAsync("/api/v1/nothing-here"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task WrongMethod_Is405Problem()
    {
        using var client = api.Client("admin");
        await ApiAssert.ProblemAsync(await client.DeleteAsync("/api/v1/fleet"), HttpStatusCode.MethodNotAllowed, "does not take DELETE");
    }

    [Fact]
    public async Task MalformedJson_Is400NamingTheLine()
    {
        using var client = api.Client("operator");
        var problem = await ApiAssert.ProblemAsync(await client.PostAsync($"/api/v1/vms/{api.Vms[0].Id}/plans", Json("{\"target\": \"web-server\",,}")), HttpStatusCode.BadRequest, "line 1");
        Assert.Contains("{\"target\": \"TARGET-PROFILE\"}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongType_Is400NamingThePath()
    {
        using var client = api.Client("operator");
        await ApiAssert.ProblemAsync(await client.PostAsync($"/api/v1/vms/{api.Vms[0].Id}/plans", Json("{\"target\": 42}")), HttpStatusCode.BadRequest, "$.target");
    }

    [Fact]
    public async Task UnknownField_Is400NamingIt()
    {
        using var client = api.Client("operator");
        await ApiAssert.ProblemAsync(await client.PostAsync($"/api/v1/vms/{api.Vms[0].Id}/plans", Json("{\"target\": \"web-server\", \"force\": true}")), HttpStatusCode.BadRequest, "force");
    }

    [Fact]
    public async Task NotJson_Is415Problem()
    {
        using var client = api.Client("operator");
        using var body = new StringContent("target=web-server", Encoding.UTF8, "application/x-www-form-urlencoded");
        await ApiAssert.ProblemAsync(await client.PostAsync($"/api/v1/vms/{api.Vms[0].Id}/plans", body), HttpStatusCode.UnsupportedMediaType, "application/x-www-form-urlencoded");
    }

    [Fact]
    public async Task OversizedBody_Is413Problem()
    {
        using var client = api.Client("viewer");
        using var body = new StringContent("# " + new string('x', 300 * 1024), Encoding.UTF8, "application/yaml");
        await ApiAssert.ProblemAsync(await client.PostAsync("/api/v1/policies/validate", body), HttpStatusCode.RequestEntityTooLarge, "256 KiB");
    }

    [Fact]
    public async Task InvalidLabels_Are422ListingEveryError()
    {
        using var client = api.Client("operator");
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/vms/{api.Vms[0].Id}/labels") { Content = Json("{\"-bad\": \"x\", \"ok\": \"line\\nbreak\"}") };
        var problem = await ApiAssert.ProblemAsync(await client.SendAsync(request), HttpStatusCode.UnprocessableEntity);
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Contains("'-bad'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'ok'", StringComparison.Ordinal) && e.Contains("control characters", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Conflict_Is409ProblemWithTheLoopsMessage()
    {
        using var client = api.Client("operator");
        var vm = api.Vms[2].Id;
        var plan = await ApiAssert.JsonAsync(await client.PostAsync($"/api/v1/vms/{vm}/plans", Json("{\"target\": \"development\"}")), HttpStatusCode.Created);
        var id = plan.GetProperty("planId").GetString();
        await ApiAssert.JsonAsync(await client.PostAsync($"/api/v1/vms/{vm}/plans/{id}/approve", null), HttpStatusCode.Accepted);
        await ApiAssert.ProblemAsync(await client.PostAsync($"/api/v1/vms/{vm}/plans/{id}/approve", null), HttpStatusCode.Conflict, "not pending");
    }

    [Fact]
    public async Task InternalError_Is500WithATraceIdAndNothingElse()
    {
        using var client = api.Client("viewer");
        var problem = await ApiAssert.ProblemAsync(await client.GetAsync($"/api/v1/vms/{FakeFleetLoop.Exploding}/labels"), HttpStatusCode.InternalServerError, "trace id");
        Assert.DoesNotContain("secret", problem.GetRawText(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("traceId").GetString()));
    }

    [Fact]
    public async Task Problem_NamesTheRequestPathAsInstance()
    {
        using var client = api.Client("viewer");
        var problem = await ApiAssert.ProblemAsync(await client.GetAsync("/api/v1/vms/no-such-vm"), HttpStatusCode.NotFound);
        Assert.Equal("/api/v1/vms/no-such-vm", problem.GetProperty("instance").GetString());
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
}
