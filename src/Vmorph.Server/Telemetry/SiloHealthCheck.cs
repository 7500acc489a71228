using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace Vmorph.Server.Telemetry;

/// <summary>Ready when this process's Orleans silo is active in its cluster.</summary>
internal sealed class SiloHealthCheck(ISiloStatusOracle silo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(silo.CurrentStatus == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {silo.SiloName} is active")
            : HealthCheckResult.Unhealthy($"silo {silo.SiloName} is {silo.CurrentStatus}, not active"));
}
