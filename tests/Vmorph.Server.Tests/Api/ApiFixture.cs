using System.Net.Http.Headers;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Vmorph.Import;
using Vmorph.Loop;
using Vmorph.Server.Access;
using Vmorph.Sources;
using Vmorph.Storage.Sqlite;
using Vmorph.Traces;

namespace Vmorph.Server.Tests.Api;

/// <summary>
/// The server in-process (<see cref="VmorphServer.Build"/> on a test server) over a real SQLite store in a temporary
/// data directory, with a fleet imported from the shared Bitbrains traces by the real <see cref="TraceImporter"/>.
/// The loop is <see cref="FakeFleetLoop"/> (the real one is in <see cref="LoopApiFixture"/>); identities are real API
/// tokens, made once per role on the server.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    private WebApplication? app;

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("vmorph-api-").FullName;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    internal MemoryAuditLog Audit { get; private set; } = null!;

    internal FakeFleetLoop Loop { get; private set; } = null!;

    /// <summary>The VMs imported: (id, name), in natural order of names.</summary>
    public IReadOnlyList<(string Id, string Name)> Vms { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var traces = Path.Combine(Traces, "bitbrains-rnd");
        using (var store = SqliteFleetStore.Open(Path.Combine(DataDirectory, "vmorph.db"), Clock))
        {
            await new TraceImporter(new TraceReader(), store, Clock).ImportAsync(
                [Path.Combine(traces, "2013-7", "5.csv.gz"), Path.Combine(traces, "2013-8", "1.csv.gz"), Path.Combine(traces, "2013-8", "2.csv.gz")],
                new TraceReadOptions(), null, CancellationToken.None);
            Vms = [.. (await store.ListAsync(CancellationToken.None)).Select(v => (v.Id.Value, v.Name))];
        }
        Audit = new MemoryAuditLog(Clock);
        Loop = new FakeFleetLoop(Vms, Clock);
        // No hypervisor to watch: the fleet is the imported one, and the loop is the fake above.
        app = Build(new ServeOptions { DataDirectory = DataDirectory, Clock = Clock, HypervisorUris = [] }, Audit, services => services.AddSingleton<IFleetLoop>(Loop));
        await app.StartAsync();
    }

    /// <summary>The server on a test server, with real access control, the audit in memory.</summary>
    internal static WebApplication Build(ServeOptions options, MemoryAuditLog audit, Action<IServiceCollection>? replace = null, bool testServer = true) =>
        VmorphServer.Build(options, builder =>
        {
            if (testServer) builder.WebHost.UseTestServer();
            builder.Services.AddSingleton<IAuditLog>(audit);
            replace?.Invoke(builder.Services);
        });

    /// <summary>The running server's services.</summary>
    public IServiceProvider Services => app!.Services;

    /// <summary>A client without a token, or with one of <paramref name="role"/>.</summary>
    public HttpClient Client(string? role = null) => Client(app!, role);

    internal static HttpClient Client(WebApplication app, string? role)
    {
        var client = app.GetTestClient();
        if (role is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(app, role));
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<WebApplication, Dictionary<string, string>> Tokens = [];

    /// <summary>A real API token of <paramref name="role"/> on this server (made once), as a person would have.</summary>
    internal static string TokenFor(WebApplication app, string role)
    {
        var tokens = Tokens.GetValue(app, _ => []);
        lock (tokens)
        {
            if (tokens.TryGetValue(role, out var secret)) return secret;
            var parsed = Enum.Parse<Vmorph.Access.AccessRole>(role, ignoreCase: true);
            var made = app.Services.GetRequiredService<Vmorph.Access.ApiTokens>().CreateAsync("test-" + role, parsed, "test", CancellationToken.None).GetAwaiter().GetResult();
            if (!made.IsSuccess) throw new InvalidOperationException(string.Join("; ", made.Errors));
            return tokens[role] = made.Value.Secret;
        }
    }

    /// <summary>The endpoints the server routes (for tests that go through all of them).</summary>
    public IEnumerable<Microsoft.AspNetCore.Routing.RouteEndpoint> Endpoints =>
        app!.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints.OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>();

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Directory.Delete(DataDirectory, recursive: true);
    }

    /// <summary>The shared traces, found beside the repository.</summary>
    public static string Traces
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "vmorph.slnx"))) dir = dir.Parent;
            var traces = dir is null ? null : Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "traces"));
            if (traces is null || !Directory.Exists(traces))
                throw new InvalidOperationException($"the public traces are expected at {traces ?? "../shared/traces beside the repository"}; check out the shared folder beside the repository");
            return traces;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
