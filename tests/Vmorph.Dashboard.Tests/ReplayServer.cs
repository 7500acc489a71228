using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Vmorph.Server;
using Vmorph.Server.Access;

namespace Vmorph.Dashboard.Tests;

/// <summary>The server and the browser, shared by the dashboard's tests.</summary>
[CollectionDefinition(Name)]
public sealed class ReplayCollection : ICollectionFixture<ReplayServer>, ICollectionFixture<Browser>
{
    public const string Name = "replay";
}

/// <summary>
/// <c>vmorph serve --replay</c> in this process: the real server (ASP.NET Core, the Orleans silo, the loop, the SQLite
/// store in a temporary data directory) replaying a month of the real bitbrains-rnd trace, on a free loopback port,
/// with a policy in the data directory that governs every VM and parks every plan for a person's approval.
/// </summary>
public sealed class ReplayServer : IAsyncLifetime
{
    /// <summary>The default policy's triggers, with require-approval: the later match-all wins over the built-in one.</summary>
    private const string ApprovalPolicy = """
        policies:
          - name: approve-everything
            description: the default policy's demand trigger, every morph approved by a person
            match:
              names: ["*"]
            time-zone: UTC
            triggers:
              resource-demand:
                cpu-percentile: 0.99
                half-life: 2h
                headroom: 1%
                hysteresis: 20%
                shrink-after: 10h
                saturation: 95%
                peak-window: 7d
                floor: 35%
                wake: 15%
            cooldown: 30m
            max-morphs-per-day: 6
            require-approval: true
        """;

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

    /// <summary>The admin token made on the first start, as <c>vmorph serve</c> prints it in the dashboard's link.</summary>
    public string Token { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(DataDirectory, "policies"));
        await File.WriteAllTextAsync(Path.Combine(DataDirectory, "policies", "approve-everything.yaml"), ApprovalPolicy);
        BaseAddress = new Uri($"http://127.0.0.1:{FreePort()}/");
        app = VmorphServer.Build(new ServeOptions
        {
            DataDirectory = DataDirectory,
            Urls = [BaseAddress.GetLeftPart(UriPartial.Authority)],
            ReplayTrace = Trace,
        });
        await app.StartAsync();
        Token = (await app.Services.EnsureAdminTokenAsync(CancellationToken.None))?.Secret
            ?? throw new InvalidOperationException("the new data directory already had an admin token");
    }

    /// <summary>A client of the API with the token.</summary>
    public HttpClient Api()
    {
        var http = new HttpClient { BaseAddress = BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return http;
    }

    /// <summary>The first plan the loop parks for approval (a PlanView), polling the fleet once a second.</summary>
    public async Task<JsonElement> FirstPendingAsync(HttpClient api, TimeSpan patience)
    {
        ArgumentNullException.ThrowIfNull(api);
        using var cancel = new CancellationTokenSource(patience);
        var last = "";
        while (true)
        {
            var fleet = await api.GetFromJsonAsync<JsonElement>("/api/v1/fleet?limit=500");
            var items = fleet.GetProperty("items").EnumerateArray().ToList();
            foreach (var vm in items)
                if (vm.TryGetProperty("pending", out var pending) && pending.ValueKind == JsonValueKind.Object) return pending;
            last = string.Join(", ", items.Where(v => v.TryGetProperty("lastDecision", out var d) && d.ValueKind == JsonValueKind.Object)
                .GroupBy(v => v.GetProperty("lastDecision").GetProperty("verdict").GetString()).Select(g => $"{g.Count()} {g.Key}"));
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no plan was parked for approval within {patience} (last decisions: {(last == "" ? "none" : last)})");
            }
        }
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
