using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// A replicated coordinator: the change becomes a Raft log entry, and is durable once a majority stored it and this
/// replica applied it to its database. The engine's own EF context is not saved; the applier writes the row.
/// </summary>
internal sealed class ReplicatedDecisionLog(RaftReplica replica) : IDecisionLog
{
    public bool IsDeciding => replica.IsDeciding;

    public long Epoch => replica.Epoch;

    public void EnsureDeciding() => replica.EnsureDeciding();

    public TransactionRecord? FindApplied(Guid transactionId) => replica.Applied.Find(transactionId);

    public Task CommitAsync(CoordinatorDbContext db, TransactionRecord tx, CancellationToken cancellationToken) =>
        replica.ReplicateAsync(TransactionImage.Of(tx), cancellationToken);
}
