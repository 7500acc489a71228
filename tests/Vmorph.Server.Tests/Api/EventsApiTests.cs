using System.Net;
using System.Text;
using System.Text.Json;

namespace Vmorph.Server.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class EventsApiTests(ApiFixture api)
{
    [Fact]
    public async Task Events_StreamTheLoopsChanges_AsServerSentEvents()
    {
        using var viewer = api.Client("viewer");
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var response = await viewer.GetAsync("/api/v1/events", HttpCompletionOption.ResponseHeadersRead, stop.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
        Assert.Equal(": vmorph events", await reader.ReadLineAsync(stop.Token));
        Assert.Equal("", await reader.ReadLineAsync(stop.Token));

        // The comment above is written after the loop was asked to watch, so nothing set from here on is missed.
        using var operatorClient = api.Client("operator");
        using var set = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/vms/{api.Vms[1].Id}/labels") { Content = new StringContent("{\"watched\": \"yes\"}", Encoding.UTF8, "application/json") };
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.SendAsync(set, stop.Token)).StatusCode);

        Assert.Equal("event: labels", await reader.ReadLineAsync(stop.Token));
        var data = await reader.ReadLineAsync(stop.Token);
        Assert.StartsWith("data: ", data, StringComparison.Ordinal);
        var change = JsonDocument.Parse(data!["data: ".Length..]).RootElement;
        Assert.Equal(api.Vms[1].Id, change.GetProperty("vm").GetString());
        Assert.Equal("labels", change.GetProperty("kind").GetString());
        Assert.Equal("", await reader.ReadLineAsync(stop.Token));
        await stop.CancelAsync();
    }
}
