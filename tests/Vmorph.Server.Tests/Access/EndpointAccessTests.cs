using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Vmorph.Server.Access;
using Vmorph.Server.Dashboard;

namespace Vmorph.Server.Tests.Access;

/// <summary>
/// THE access test: every endpoint of the routing table (so also those added later, without editing this test) is
/// called without a token and with a viewer's token. Without a token everything but health and the dashboard's files
/// is 401; a viewer gets 403 on every mutation (every method but GET/HEAD/OPTIONS, unless the endpoint is declared
/// read-only).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class EndpointAccessTests(ServerFixture server)
{
    /// <summary>The only endpoints that answer without a token.</summary>
    private static readonly HashSet<string> Anonymous = new(StringComparer.Ordinal) { "/health/live", "/health/ready" };

    private static readonly string[] ReadMethods = ["GET", "HEAD", "OPTIONS"];

    /// <summary>The dashboard's built files (HTML, script, style; no data), anonymous by design (docs/SERVER.md).</summary>
    private static bool IsDashboard(Endpoint endpoint) =>
        endpoint.Metadata.GetOrderedMetadata<ITagsMetadata>().Any(t => t.Tags.Contains(DashboardSetup.EndpointTag));

    private IReadOnlyList<(string Method, string Path, Endpoint Endpoint)> Calls() =>
        server.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 } methods ? methods : ["GET"])
                .Select(m => (m, Instantiate(e.RoutePattern), (Endpoint)e)))
            .ToList();

    /// <summary>A path that matches the pattern: each parameter given a value its constraints accept.</summary>
    private static string Instantiate(RoutePattern pattern)
    {
        var path = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
            {
                path.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternSeparatorPart separator => separator.Content,
                    RoutePatternParameterPart parameter => Value(parameter),
                    _ => throw new InvalidOperationException($"unknown route part in {pattern.RawText}"),
                });
            }
        }
        return path.Length == 0 ? "/" : path.ToString();
    }

    private static string Value(RoutePatternParameterPart parameter)
    {
        var constraints = parameter.ParameterPolicies.Select(p => p.Content ?? "").ToList();
        if (constraints.Any(c => c is "int" or "long" || c.StartsWith("min", StringComparison.Ordinal) || c.StartsWith("range", StringComparison.Ordinal))) return "1";
        if (constraints.Contains("guid")) return Guid.Empty.ToString();
        if (constraints.Contains("bool")) return "true";
        return "access-test";
    }

    private static HttpRequestMessage Request(string method, string path, string? token, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (!ReadMethods.Contains(method)) request.Content = new StringContent("{}", Encoding.UTF8, contentType);
        if (token is not null) request.Headers.Authorization = new("Bearer", token);
        return request;
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, string method, string path, string? token, string contentType = "application/json")
    {
        // Endpoints that stream (server-sent events) answer their status and headers first; the body is not read.
        using var response = await client.SendAsync(Request(method, path, token, contentType), HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }

    [Fact]
    public void RoutingTable_HoldsTheAccessTelemetryAndHealthEndpoints()
    {
        // The test below enumerates the routing table: it must see the endpoints, or it proves nothing.
        var paths = Calls().Select(c => $"{c.Method} {c.Path}").ToHashSet(StringComparer.Ordinal);
        foreach (var expected in new[] { "GET /api/v1/tokens", "POST /api/v1/tokens", "DELETE /api/v1/tokens/access-test", "GET /metrics", "GET /health/live", "GET /health/ready" })
            Assert.Contains(expected, paths);
    }

    [Fact]
    public void TheDashboardsAnonymousEndpoints_AreOnlyItsPageAndFiles()
    {
        var dashboard = Calls().Where(c => IsDashboard(c.Endpoint))
            .Select(c => $"{c.Method} {((RouteEndpoint)c.Endpoint).RoutePattern.RawText}").Order(StringComparer.Ordinal);
        Assert.Equal(["GET /", "GET /assets/{**file}", "GET /vms/{**vm}"], dashboard);
    }

    [Fact]
    public async Task EveryEndpoint_WithoutAToken_Is401_ButHealth()
    {
        using var client = server.Client();
        var wrong = new List<string>();
        foreach (var (method, path, endpoint) in Calls())
        {
            var status = await SendAsync(client, method, path, token: null);
            var anonymous = Anonymous.Contains(path) || IsDashboard(endpoint);
            if (anonymous ? status == HttpStatusCode.Unauthorized : status != HttpStatusCode.Unauthorized)
                wrong.Add($"{method} {path}: {(int)status}, expected {(anonymous ? "an answer without a token" : "401")}");
        }
        Assert.True(wrong.Count == 0, "without a token:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public async Task EveryEndpoint_WithAWrongOrMalformedToken_Is401_ButHealth()
    {
        using var client = server.Client();
        var wrong = new List<string>();
        foreach (var token in new[] { "vmorph_" + new string('A', 43), "not-a-token", "" })
        {
            foreach (var (method, path, _) in Calls().Where(c => !Anonymous.Contains(c.Path) && !IsDashboard(c.Endpoint)))
            {
                var request = Request(method, path, token: null);
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                if (response.StatusCode != HttpStatusCode.Unauthorized) wrong.Add($"{method} {path} with '{token}': {(int)response.StatusCode}");
            }
        }
        Assert.True(wrong.Count == 0, "with a wrong token:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public async Task EveryMutation_WithAViewerToken_Is403()
    {
        var viewer = await server.CreateTokenAsync("viewer", "access-test-viewer");
        using var client = server.Client();
        var mutations = Calls().Where(c => !ReadMethods.Contains(c.Method) && c.Endpoint.Metadata.GetMetadata<ReadOnlyEndpointAttribute>() is null).ToList();
        Assert.NotEmpty(mutations);
        var wrong = new List<string>();
        foreach (var (method, path, endpoint) in mutations)
        {
            // A body of a type the endpoint takes: routing answers 415 to any other before authorisation is asked.
            var accepts = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.ContentTypes.FirstOrDefault() ?? "application/json";
            var status = await SendAsync(client, method, path, viewer, accepts);
            if (status != HttpStatusCode.Forbidden) wrong.Add($"{method} {path}: {(int)status}, expected 403");
        }
        Assert.True(wrong.Count == 0, "with a viewer's token:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public async Task Unauthorized_IsAProblemDetailsDocument_WithABearerChallenge()
    {
        using var client = server.Client();
        using var response = await client.GetAsync("/api/v1/tokens");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"status\":401", body, StringComparison.Ordinal);
        Assert.Contains("vmorph token create", body, StringComparison.Ordinal);
        Assert.Contains("\"instance\":\"/api/v1/tokens\"", body, StringComparison.Ordinal);
        Assert.Contains("\"type\":", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forbidden_IsAProblemDetailsDocument_NamingTheRoleNeeded()
    {
        var viewer = await server.CreateTokenAsync("viewer", "access-test-forbidden");
        using var client = server.Client(viewer);
        using var response = await client.GetAsync("/api/v1/tokens");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"status\":403", body, StringComparison.Ordinal);
        Assert.Contains("needs the admin role; the token has the viewer role", body, StringComparison.Ordinal);
        Assert.Contains("\"instance\":\"/api/v1/tokens\"", body, StringComparison.Ordinal);
    }
}
