using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vmorph.Storage.Sqlite;

namespace Vmorph.Server.Telemetry;

/// <summary>Ready when the store opens and answers a query (the file may have gone, or its permissions changed).</summary>
internal sealed class StoreHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // Resolving the store opens it (and retries on the next check when that failed).
            var store = services.GetRequiredService<SqliteAccessStore>();
            await store.ProbeAsync(cancellationToken);
            return HealthCheckResult.Healthy($"the store {store.Location} answers");
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("the store does not open: " + e.Message);
        }
    }
}
