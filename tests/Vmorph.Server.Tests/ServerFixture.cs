using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;
using Vmorph.Cli.Tests;

namespace Vmorph.Server.Tests;

/// <summary>
/// <c>vmorph serve</c> in-process (the real SQLite store in a temporary data directory, the Orleans silo, an in-memory
/// test server) and the CLI over the same data directory. One per test collection: starting a silo takes a while.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    internal CliHarness Cli { get; } = new();

    public WebApplication App { get; private set; } = null!;

    public string DataDirectory => Cli.DataDirectory;

    /// <summary>Everything the server logged, at every level.</summary>
    public CapturedLogs Logs { get; } = new();

    public async Task InitializeAsync()
    {
        App = VmorphServer.Build(new ServeOptions { DataDirectory = Cli.DataDirectory }, builder =>
        {
            builder.WebHost.UseTestServer();
            builder.Logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace);
        });
        await App.StartAsync();
    }

    /// <summary>A client of the server, sending <paramref name="token"/> as a bearer token when given.</summary>
    public HttpClient Client(string? token = null)
    {
        var client = App.GetTestClient();
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Creates a token with the CLI (<c>vmorph token create -o json</c>) and returns its secret.</summary>
    public async Task<string> CreateTokenAsync(string role, string name)
    {
        var (exit, output, error, _) = await Cli.RunAsync("token", "create", "--role", role, "--name", name, "--output", "json");
        Assert.True(exit == 0, $"token create exited {exit}: {error}");
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("token").GetString()!;
    }

    public async Task DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Cli.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}

/// <summary>
/// The metrics tests, with a server of their own. OpenTelemetry merges the instruments of every meter of a name into
/// one stream per provider, across the process: when another host in the process (a test's second server) is
/// disposed, its ASP.NET Core and vmorph.loop instruments end, and so do the same-named streams of every other
/// host's provider. Hence a server only these tests use, and collections run one at a time (below).
/// </summary>
[CollectionDefinition(Name)]
public sealed class TelemetryCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "telemetry";
}
