using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TxCoordinator.ServiceDefaults.Tables;

internal sealed class ServiceTablesHealthCheck(ServiceTables tables) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(tables.IsReady
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"The {tables.Service} tables are not created yet."));
}
