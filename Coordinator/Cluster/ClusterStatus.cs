namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// What <c>GET /cluster</c> shows about one replica. <see cref="ReplicationMs"/> (leader only): time for a batch of
/// changes to be committed by a majority and applied locally; <see cref="BatchSize"/>: changes per log entry;
/// <see cref="ApplyMs"/>: time to write one committed entry to this replica's database.
/// </summary>
public sealed record ReplicaStatus(
    string ReplicaId,
    string Role,
    long Term,
    string? Leader,
    long CommitIndex,
    long AppliedIndex,
    long LastEntryIndex,
    Uri? HttpUrl,
    bool Reachable,
    long? Lag,
    string? Error,
    LatencyWindow.Summary? ReplicationMs = null,
    LatencyWindow.Summary? BatchSize = null,
    LatencyWindow.Summary? ApplyMs = null);

/// <summary>The group as one replica sees it: itself, and (from the leader) every follower with its lag.</summary>
public sealed record ClusterStatus(string ReplicaId, string? Leader, long Term, IReadOnlyList<ReplicaStatus> Replicas);
