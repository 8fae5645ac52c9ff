using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TxCoordinator.Coordinator.Lone;

/// <summary>Ready only while the lone coordinator holds its database: without it, it decides nothing.</summary>
internal sealed class LoneLockHealthCheck(LoneLog log) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(log.IsDeciding
            ? HealthCheckResult.Healthy($"Holds its database (term {log.Epoch})")
            : HealthCheckResult.Unhealthy("Lost its connection to its database; taking it back"));
}
