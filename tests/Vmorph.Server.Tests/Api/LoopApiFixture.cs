using System.Text.Json;
using Microsoft.AspNetCore.Builder;

namespace Vmorph.Server.Tests.Api;

/// <summary>
/// The server in-process with the real loop (<c>FleetLoop</c> over Orleans grains) replaying three VMs of the real
/// Bitbrains trace into its own SQLite store, as <c>vmorph serve --replay</c> does; the fixture waits until the
/// collector has folded observations of every VM.
/// </summary>
public sealed class LoopApiFixture : IAsyncLifetime
{
    private WebApplication? app;

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("vmorph-api-loop-").FullName;

    internal MemoryAuditLog Audit { get; } = new(TimeProvider.System);

    /// <summary>The replayed VMs' ids, in natural order of names.</summary>
    public IReadOnlyList<string> Vms { get; private set; } = [];

    public async Task InitializeAsync()
    {
        app = ApiFixture.Build(new ServeOptions { DataDirectory = DataDirectory, ReplayTrace = Path.Combine(ApiFixture.Traces, "bitbrains-rnd", "2013-8"), ReplayVms = 3 }, Audit);
        await app.StartAsync();
        using var client = Client("viewer");
        var fleet = await WaitForAsync(async () =>
        {
            var page = JsonDocument.Parse(await client.GetStringAsync("/api/v1/fleet")).RootElement;
            var items = page.GetProperty("items").EnumerateArray().ToList();
            // A VM's first reading gives its memory but not its CPU (a rate needs two readings): a plan sized on
            // p95(cpu) needs the grain to have folded a CPU sample, which the grain's latest reading shows.
            return items.Count == 3 && items.All(i => i.GetProperty("samples").GetInt64() > 0 && HasNumber(i, "coresUsed")) ? page.Clone() : (JsonElement?)null;
        }, TimeSpan.FromSeconds(120), "three replayed VMs with CPU samples in the fleet");
        Vms = [.. fleet.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!)];
    }

    private static bool HasNumber(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number;

    public HttpClient Client(string? role = null) => ApiFixture.Client(app!, role);

    /// <summary>Polls until <paramref name="condition"/> gives a value, up to <paramref name="limit"/>; fails saying what it waited for.</summary>
    public static async Task<T> WaitForAsync<T>(Func<Task<T?>> condition, TimeSpan limit, string what) where T : struct
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (await condition() is { } done) return done;
            if (watch.Elapsed > limit) throw new TimeoutException($"waited {limit.TotalSeconds:0} s for {what}");
            await Task.Delay(200);
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
}

[CollectionDefinition(Name)]
public sealed class LoopApiCollection : ICollectionFixture<LoopApiFixture>
{
    public const string Name = "api-loop";
}
