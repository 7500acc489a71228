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
/// The loop is <see cref="FakeFleetLoop"/> and identities come from <see cref="TestAuthentication"/> until the real
/// ones land.
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
        app = VmorphServer.Build(new ServeOptions { DataDirectory = DataDirectory, Clock = Clock }, builder =>
        {
            builder.WebHost.UseTestServer();
            builder.Services.AddSingleton<IFleetLoop>(Loop);
            builder.Services.AddSingleton<IAuditLog>(Audit);
            builder.Services.AddAuthentication(TestAuthentication.Scheme)
                .AddScheme<AuthenticationSchemeOptions, TestAuthentication>(TestAuthentication.Scheme, null);
            builder.Services.AddAuthorizationBuilder()
                .AddPolicy(AccessPolicies.Viewer, p => p.RequireRole("viewer", "operator", "admin"))
                .AddPolicy(AccessPolicies.Operator, p => p.RequireRole("operator", "admin"))
                .AddPolicy(AccessPolicies.Admin, p => p.RequireRole("admin"));
        });
        await app.StartAsync();
    }

    /// <summary>A client without a token, or with one of <paramref name="role"/>.</summary>
    public HttpClient Client(string? role = null)
    {
        var client = app!.GetTestClient();
        if (role is not null) client.DefaultRequestHeaders.Add(TestAuthentication.Header, role);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
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
