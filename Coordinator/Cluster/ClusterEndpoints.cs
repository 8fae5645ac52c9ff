using System.Net.Http.Json;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// <c>GET /cluster</c>: every replica's role, term, commit and applied index, the leader, and each follower's lag
/// (entries the leader has committed that the follower has not applied yet). <c>GET /cluster/self</c> is one
/// replica's own view, which <c>/cluster</c> gathers from the others. <c>GET /cluster/history</c>: see
/// <see cref="FinishedHistory"/>.
/// </summary>
internal static class ClusterEndpoints
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(1);

    public static IEndpointRouteBuilder MapClusterEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/cluster").WithTags("Cluster");
        group.MapGet("/self", (RaftReplica replica) => Self(replica));
        group.MapFinishedHistory();
        group.MapGet("/", async (RaftReplica replica, IHttpClientFactory clients, CancellationToken cancellationToken) =>
        {
            var self = Self(replica);
            var others = replica.Options.Members.Where(m => m.Id != replica.Options.ReplicaId)
                .Select(m => PeerAsync(m, clients, cancellationToken));
            var replicas = new List<ReplicaStatus> { self };
            replicas.AddRange(await Task.WhenAll(others));
            // Lag is measured against the leader's commit index, whoever reports it.
            var leaderCommit = replicas.FirstOrDefault(r => r.Role == "Leader")?.CommitIndex;
            var withLag = replicas
                .Select(r => r with { Lag = leaderCommit is { } commit && r.Reachable ? Math.Max(0, commit - r.AppliedIndex) : null })
                .OrderBy(r => r.ReplicaId, StringComparer.Ordinal)
                .ToList();
            return new ClusterStatus(replica.Options.ReplicaId!, self.Leader, self.Term, withLag);
        });
        return endpoints;
    }

    private static ReplicaStatus Self(RaftReplica replica) => new(
        replica.Options.ReplicaId!, replica.Role, replica.Term, replica.Leader?.Id, replica.CommitIndex,
        replica.AppliedIndex, replica.LastEntryIndex, replica.Options.Self().HttpUrl, Reachable: true, Lag: null, Error: null,
        replica.ReplicationLatency, replica.BatchSizes, replica.ApplyLatency);

    private static async Task<ReplicaStatus> PeerAsync(ClusterMember member, IHttpClientFactory clients, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(PeerTimeout);
            var status = await clients.CreateClient(LeaderForwardingMiddleware.HttpClientName)
                .GetFromJsonAsync<ReplicaStatus>(new Uri(member.HttpUrl!, "cluster/self"), timeout.Token);
            return status ?? Unreachable(member, "empty answer");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException && !cancellationToken.IsCancellationRequested)
        {
            return Unreachable(member, ex.Message);
        }
    }

    private static ReplicaStatus Unreachable(ClusterMember member, string error) =>
        new(member.Id!, "Unreachable", 0, null, 0, 0, 0, member.HttpUrl, Reachable: false, Lag: null, Error: error);
}
