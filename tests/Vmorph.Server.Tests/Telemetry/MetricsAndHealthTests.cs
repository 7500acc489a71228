using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vmorph.Loop;
using Vmorph.Server.Telemetry;
using Vmorph.Storage.Sqlite;

namespace Vmorph.Server.Tests.Telemetry;

/// <summary>/metrics in Prometheus text with the loop's instruments, health without a token, secrets kept out of logs.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class MetricsAndHealthTests(ServerFixture server)
{
    [Fact]
    public async Task Metrics_AfterTheLoopCountsADecision_ShowItsInstrumentsInPrometheusText()
    {
        var viewer = await server.CreateTokenAsync("viewer", "prometheus");
        var metrics = server.App.Services.GetRequiredService<LoopMetrics>();
        metrics.Decisions.Add(3, new("trigger", "resource-demand"), new("verdict", "grow"));
        metrics.CollectionDuration.Record(0.25, new KeyValuePair<string, object?>("uri", "test:///default"));
        metrics.GrainActivated();

        using var client = server.Client(viewer);
        using var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Matches("(?m)^vmorph_decisions_total\\{[^}]*trigger=\"resource-demand\"[^}]*verdict=\"grow\"[^}]*\\} 3( |$)", text);
        Assert.Matches("(?m)^vmorph_collection_duration_seconds_count\\{[^}]*uri=\"test:///default\"[^}]*\\} 1( |$)", text);
        Assert.Matches("(?m)^vmorph_grains_active(\\{[^}]*\\})? [1-9]", text);
        Assert.Contains("# TYPE vmorph_decisions_total counter", text, StringComparison.Ordinal);
        metrics.GrainDeactivated();
    }

    [Fact]
    public async Task Metrics_ShowAspNetCoresRequestDuration()
    {
        var viewer = await server.CreateTokenAsync("viewer", "prometheus-http");
        using var client = server.Client(viewer);
        (await client.GetAsync("/api/v1/audit")).Dispose();
        // ASP.NET Core records a request's duration when its context is disposed, just after the answer is sent.
        var text = "";
        for (var attempt = 0; attempt < 100 && !text.Contains("http_server_request_duration_seconds_count", StringComparison.Ordinal); attempt++)
        {
            if (attempt > 0) await Task.Delay(50);
            text = await client.GetStringAsync("/metrics");
        }
        Assert.Matches("(?m)^http_server_request_duration_seconds_count\\{[^}]*http_response_status_code=\"403\"", text);
    }

    [Fact]
    public async Task Health_AnswersWithoutAToken_LiveAndReadyWithTheSiloAndTheStore()
    {
        using var client = server.Client();
        using var live = await client.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("healthy", (await live.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

        using var ready = await client.GetAsync("/health/ready");
        var body = await ready.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(ready.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("silo").GetProperty("status").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
    }

    [Fact]
    public async Task StoreCheck_WhenTheStoreDoesNotOpen_IsUnhealthySayingWhy()
    {
        var data = Directory.CreateTempSubdirectory("vmorph-ready-").FullName;
        try
        {
            var path = Path.Combine(data, "vmorph.db");
            Directory.CreateDirectory(path); // a directory where the store file should be
            using var services = new ServiceCollection().AddSingleton(_ => SqliteAccessStore.Open(path, TimeProvider.System)).BuildServiceProvider();
            var result = await new StoreHealthCheck(services).CheckHealthAsync(new HealthCheckContext());
            Assert.Equal(HealthStatus.Unhealthy, result.Status);
            Assert.StartsWith("the store does not open: ", result.Description, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void Traces_TheLoopsActivitySource_IsListenedToByTheServersTracer()
    {
        Assert.NotNull(server.App.Services.GetService<OpenTelemetry.Trace.TracerProvider>());
        // StartActivity gives null when no listener samples the source: the server's tracer provider does.
        using var activity = LoopMetrics.Activities.StartActivity("test-cycle");
        Assert.NotNull(activity);
        Assert.Equal(LoopMetrics.Name, activity.Source.Name);
    }

    [Fact]
    public async Task Secrets_AreNeverLogged_WhateverTheRequest()
    {
        var secret = await server.CreateTokenAsync("viewer", "never-logged");
        using (var client = server.Client(secret))
        {
            (await client.GetAsync("/metrics")).Dispose();
            (await client.PostAsJsonAsync("/api/v1/tokens", new { name = "x", role = "admin" })).Dispose();
        }
        using (var client = server.Client(secret + "x"))
            (await client.GetAsync("/api/v1/audit")).Dispose();
        Assert.NotEmpty(server.Logs.Lines);
        Assert.DoesNotContain(server.Logs.Lines, line => line.Contains(secret[7..20], StringComparison.Ordinal));
    }
}
