using System.Net;
using System.Text.RegularExpressions;

namespace Vmorph.Dashboard.Tests;

/// <summary>The dashboard's built files as the server serves them: anonymous, typed, cached as their names allow.</summary>
[Collection(ReplayCollection.Name)]
public sealed partial class DashboardFilesTests(ReplayServer server)
{
    [Fact]
    public async Task The_page_is_served_anonymously_for_every_client_route_and_revalidated()
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        foreach (var route in new[] { "/", "/vms/some-vm", "/vms/some-vm/" })
        {
            using var response = await http.GetAsync(route);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.True(response.Headers.CacheControl?.NoCache, $"{route}: Cache-Control {response.Headers.CacheControl}");
            Assert.Contains("<title>vmorph</title>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Built_assets_have_their_content_types_and_are_cached_for_a_year()
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var index = await http.GetStringAsync("/");
        var assets = AssetReference().Matches(index).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains(assets, a => a.EndsWith(".js", StringComparison.Ordinal));
        Assert.Contains(assets, a => a.EndsWith(".css", StringComparison.Ordinal));
        foreach (var asset in assets)
        {
            using var response = await http.GetAsync(asset);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(asset.EndsWith(".js", StringComparison.Ordinal) ? "text/javascript" : "text/css", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(TimeSpan.FromDays(365), response.Headers.CacheControl?.MaxAge);
            Assert.True(response.Headers.CacheControl?.Public);
            Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 1000, asset);
        }
    }

    [Fact]
    public async Task A_missing_asset_is_a_404_problem_not_the_page()
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var response = await http.GetAsync("/assets/missing-0000.js");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [GeneratedRegex("(?:src|href)=\"(/assets/[^\"]+)\"", RegexOptions.CultureInvariant)]
    private static partial Regex AssetReference();
}
