using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Vmorph.Server;

namespace Vmorph.Dashboard.Tests;

/// <summary>
/// <c>vmorph serve --replay</c> in this process: the real server (ASP.NET Core, the Orleans silo, the loop, the SQLite
/// store in a temporary data directory) replaying a month of the real bitbrains-rnd trace, on a free loopback port.
/// </summary>
public sealed class ReplayServer : IAsyncLifetime
{
    private WebApplication? app;

    public Uri BaseAddress { get; private set; } = null!;

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("vmorph-dashboard-tests-").FullName;

    /// <summary>The trace replayed: bitbrains-rnd, July 2013 (shared/traces beside the repository).</summary>
    public static string Trace
    {
        get
        {
            var trace = Path.GetFullPath(Path.Combine(Artifacts.RepositoryRoot, "..", "shared", "traces", "bitbrains-rnd", "2013-7"));
            return Directory.Exists(trace)
                ? trace
                : throw new InvalidOperationException($"the bitbrains-rnd trace is expected in {trace} (shared/traces beside the repository root)");
        }
    }

    public async Task InitializeAsync()
    {
        BaseAddress = new Uri($"http://127.0.0.1:{FreePort()}/");
        app = VmorphServer.Build(new ServeOptions
        {
            DataDirectory = DataDirectory,
            Urls = [BaseAddress.GetLeftPart(UriPartial.Authority)],
            ReplayTrace = Trace,
        });
        await app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Directory.Delete(DataDirectory, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
