using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Vmorph.Server.Access;
using Vmorph.Server.Api;
using Vmorph.Server.Dashboard;
using Vmorph.Server.Loop;
using Vmorph.Server.Telemetry;

namespace Vmorph.Server;

/// <summary>
/// <c>vmorph serve</c>: ASP.NET Core and an Orleans silo in one process. On one machine the silo clusters on localhost
/// and the loop keeps its state in the embedded SQLite store; nothing to set up.
/// </summary>
public static class VmorphServer
{
    /// <summary>The grains the directory's cache holds the address of (Orleans' default is a million).</summary>
    public const int DirectoryCacheSize = 100_000;

    /// <summary>
    /// Sets up the process for serving; call first thing in <c>Main</c>, before anything uses the thread pool. The
    /// pool's idle workers stop spinning before they sleep: the loop hands them thousands of short grain turns a cycle
    /// in bursts, and their spinning (<c>sched_yield</c>) between turns was about a fifth of the server's CPU on 2 cores
    /// (docs/BENCHMARKS.md, "Server"). Not for the other commands: simulate's lock-step replay hands out short slices
    /// back to back, and took a quarter longer without the spinning.
    /// </summary>
    public static void PrepareProcess() =>
        AppContext.SetData("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", "0");

    /// <summary>Builds the server (not started). <paramref name="configure"/> lets tests replace services.</summary>
    public static WebApplication Build(ServeOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "vmorph" });
        builder.WebHost.UseUrls([.. options.Urls]);
        // Logs go to standard error (standard output is the command's own); the format and filters are telemetry's.
        builder.Logging.ClearProviders();
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // The slim builder leaves https:// URLs off; the certificate itself is configured by AddVmorphAccess.
        builder.WebHost.UseKestrelHttpsConfiguration();
        var siloPort = options.SiloPort == 0 ? FreePort() : options.SiloPort;
        var gatewayPort = options.GatewayPort == 0 ? FreePort() : options.GatewayPort;
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: "vmorph", clusterId: "vmorph");
            silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromHours(2));
            // The directory's cache of grain addresses preallocates for its size: 18.6 MB at Orleans' default of a
            // million, half of an empty server. A hundred thousand VMs' worth (the largest fleet benchmarked): 1.9 MB.
            silo.Configure<GrainDirectoryOptions>(o => o.CacheSize = DirectoryCacheSize);
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddVmorphTelemetry(options);
        builder.Services.AddVmorphAccess(options);
        builder.Services.AddVmorphApi();
        ServerLoop.AddTo(builder.Services, options);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseVmorphAccess();
        app.MapVmorphTelemetry();
        app.MapVmorphApi();
        app.MapVmorphDashboard();
        return app;
    }

    // A free port for the silo or its gateway, below the kernel's ephemeral range (32768 and up on Linux), where
    // another listener asking for "any port" (Kestrel on port 0, a client's socket) is never handed it between this
    // check and the silo's own bind; and never twice in one process (servers started side by side: the tests).
    private static int FreePort()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = System.Security.Cryptography.RandomNumberGenerator.GetInt32(20_000, 32_768);
            lock (HandedOut)
            {
                if (!HandedOut.Add(port)) continue;
            }
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException("no free port for the silo between 20000 and 32767 on the loopback interface");
    }

    private static readonly HashSet<int> HandedOut = [];
}
