using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TxCoordinator.Samples.Inventory.Schema;

public sealed class InventorySchemaHealthCheck(InventorySchemaState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsReady ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The inventory tables are not created yet."));
}
