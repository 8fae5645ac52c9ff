using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TxCoordinator.Samples.Payments.Schema;

public sealed class PaymentsSchemaHealthCheck(PaymentsSchemaState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsReady ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The payments tables are not created yet."));
}
