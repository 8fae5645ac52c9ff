using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>Ready only while a leader is known: without one, this replica can neither decide nor forward.</summary>
internal sealed class RaftLeaderHealthCheck(RaftReplica replica) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(replica.Leader is { } leader
            ? HealthCheckResult.Healthy($"{replica.Role}; leader '{leader.Id}', term {replica.Term}")
            : HealthCheckResult.Unhealthy($"No leader known (term {replica.Term}): no majority reachable"));
}
