using System.Net;
using System.Text.Json;

namespace Vmorph.Server.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class OpenApiDocumentTests(ApiFixture api)
{
    [Fact]
    public async Task Document_IsTheGoldenOne()
    {
        using var client = api.Client("viewer");
        var response = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var pretty = JsonSerializer.Serialize(document.RootElement, new JsonSerializerOptions { WriteIndented = true }) + "\n";
        Golden.Verify("openapi.v1", pretty, "json");
    }

    [Fact]
    public async Task Document_NeedsAToken()
    {
        using var client = api.Client();
        await ApiAssert.ProblemAsync(await client.GetAsync("/openapi/v1.json"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Document_DescribesEveryApiEndpoint()
    {
        using var client = api.Client("viewer");
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var documented = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => $"{m.Name.ToUpperInvariant()} {p.Name}"))
            .ToHashSet();
        var routed = api.Endpoints
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {e.RoutePattern.RawText}"))
            .ToList();
        Assert.NotEmpty(routed);
        Assert.All(routed, r => Assert.Contains(r, documented));
    }
}
