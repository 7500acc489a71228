using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Vmorph.Loop;
using Vmorph.Loop.Hosting;
using Vmorph.Morphing;
using Vmorph.Server;

namespace Vmorph.Loop.Tests;

/// <summary>A real <c>vmorph serve</c> in this process (Orleans silo, SQLite store, the loop), replaying a real trace.</summary>
internal sealed class LoopServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private LoopServer(WebApplication app) => this.app = app;

    public IFleetLoop Loop => app.Services.GetRequiredService<IFleetLoop>();

    public LoopServices Services => app.Services.GetRequiredService<LoopServices>();

    public IMorphJournal Journal => app.Services.GetRequiredService<IMorphJournal>();

    public IServiceProvider Provider => app.Services;

    public static async Task<LoopServer> StartAsync(ServeOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        var app = VmorphServer.Build(options with { Urls = ["http://127.0.0.1:0"] }, configure);
        await app.StartAsync();
        return new LoopServer(app);
    }

    public static string TempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "vmorph-loop-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Polls until <paramref name="condition"/> holds, up to <paramref name="limit"/>; fails saying what it waited for.</summary>
    public static async Task<T> WaitForAsync<T>(Func<Task<T?>> condition, TimeSpan limit, string what, Action? tick = null) where T : class
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (await condition() is { } done) return done;
            if (watch.Elapsed > limit) throw new TimeoutException($"waited {limit.TotalSeconds:0} s for {what}");
            tick?.Invoke();
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
