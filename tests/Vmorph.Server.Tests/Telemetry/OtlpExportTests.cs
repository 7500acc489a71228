using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Vmorph.Loop;
using Vmorph.Server.Telemetry;

namespace Vmorph.Server.Tests.Telemetry;

/// <summary>OTLP export is on when OTEL_EXPORTER_OTLP_ENDPOINT says where: checked against a fake collector.</summary>
[Collection(ServerCollection.Name)] // not the telemetry collection: this test's server is disposed (see TelemetryCollection)
public sealed class OtlpExportTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("vmorph-otlp-").FullName;

    [Fact]
    public async Task LoopMetrics_ReachTheCollectorNamedByTheStandardVariable()
    {
        var received = new ConcurrentQueue<(string Path, byte[] Body)>();
        await using var collector = await StartCollectorAsync(received);
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Urls.Single(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "100",
        };
        await using var app = await StartTelemetryHostAsync(settings);
        app.Services.GetRequiredService<LoopMetrics>().Morphs.Add(1, new("kind", "apply"), new("outcome", "committed"));

        // The exporter sends every 100 ms; wait for the request that carries the counter (an event, not a duration).
        var name = Encoding.UTF8.GetBytes("vmorph.morphs");
        for (var i = 0; i < 300 && !received.Any(r => r.Path == "/v1/metrics" && r.Body.AsSpan().IndexOf(name) >= 0); i++) await Task.Delay(50);
        Assert.Contains(received, r => r.Path == "/v1/metrics" && r.Body.AsSpan().IndexOf(name) >= 0);
        await app.StopAsync();
    }

    private async Task<WebApplication> StartTelemetryHostAsync(Dictionary<string, string?> environment)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(environment);
        builder.Services.AddVmorphTelemetry(new ServeOptions { DataDirectory = directory }, name => environment.GetValueOrDefault(name));
        var app = builder.Build();
        await app.StartAsync();
        return app;
    }

    private static async Task<WebApplication> StartCollectorAsync(ConcurrentQueue<(string, byte[])> received)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var collector = builder.Build();
        collector.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            received.Enqueue((context.Request.Path.Value!, body.ToArray()));
            return Results.Ok();
        });
        await collector.StartAsync();
        return collector;
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
