using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Vmorph.Loop;
using Vmorph.Server.Access;

namespace Vmorph.Server.Telemetry;

/// <summary>
/// Logging (structured <c>ILogger</c>, one line per entry on the console with a UTC timestamp), OpenTelemetry metrics
/// and traces (the loop's meter and activity source <c>vmorph.loop</c>, and ASP.NET Core's), Prometheus <c>/metrics</c>
/// (viewer role), OTLP export when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and the health checks
/// <c>/health/live</c> and <c>/health/ready</c> (the only anonymous endpoints).
/// </summary>
public static class TelemetrySetup
{
    /// <summary>The tag of the checks <c>/health/ready</c> runs.</summary>
    public const string ReadyTag = "ready";

    /// <summary>The OpenTelemetry service name.</summary>
    public const string ServiceName = "vmorph";

    /// <summary>Where Prometheus scrapes.</summary>
    public const string MetricsPath = "/metrics";

    private static readonly string[] OtlpVariables =
        ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"];

    /// <summary>Registers telemetry; OTLP export is on when the standard <c>OTEL_EXPORTER_OTLP_*ENDPOINT</c> variables say where.</summary>
    public static IServiceCollection AddVmorphTelemetry(this IServiceCollection services, ServeOptions options) =>
        services.AddVmorphTelemetry(options, Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="AddVmorphTelemetry(IServiceCollection, ServeOptions)"/>, reading the environment through <paramref name="environment"/>.</summary>
    internal static IServiceCollection AddVmorphTelemetry(this IServiceCollection services, ServeOptions options, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddLogging(logging => logging
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.UseUtcTimestamp = true;
                console.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
                console.ColorBehavior = LoggerColorBehavior.Disabled;
            })
            // Orleans and ASP.NET Core tell a lot at Information that an operator of one machine does not need.
            .AddFilter("Orleans", LogLevel.Warning)
            // The silo's advice on server GC does not apply to a control plane on a small machine.
            .AddFilter("Orleans.Runtime.Silo", LogLevel.Error)
            .AddFilter("Polly", LogLevel.Warning)
            .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
            .AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information));

        services.AddMetrics();
        services.TryAddSingleton<LoopMetrics>();
        var otlp = OtlpVariables.Any(v => !string.IsNullOrWhiteSpace(environment(v)));
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: typeof(TelemetrySetup).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(LoopMetrics.Name).AddAspNetCoreInstrumentation()
                    .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
                if (otlp) metrics.AddOtlpExporter();
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(LoopMetrics.Name)
                    .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = context => !IsScrapeOrProbe(context.Request.Path));
                if (otlp) tracing.AddOtlpExporter();
            });

        services.AddHealthChecks()
            .AddCheck<SiloHealthCheck>("silo", tags: [ReadyTag])
            .AddCheck<StoreHealthCheck>("store", tags: [ReadyTag]);
        return services;
    }

    /// <summary>Maps <c>/metrics</c> (viewer role) and <c>/health/live</c>, <c>/health/ready</c> (anonymous).</summary>
    public static IEndpointRouteBuilder MapVmorphTelemetry(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(AccessPolicies.Viewer);
        // Live: the process answers. Ready: the silo is active and the store opens.
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponse.WriteAsync }).AllowAnonymous();
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = HealthResponse.WriteAsync })
            .AllowAnonymous();
        return endpoints;
    }

    private static bool IsScrapeOrProbe(PathString path) =>
        path.StartsWithSegments(MetricsPath, StringComparison.Ordinal) || path.StartsWithSegments("/health", StringComparison.Ordinal);
}
