using Microsoft.EntityFrameworkCore;
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

    public Task CatchUpAsync(CancellationToken cancellationToken) => replica.WaitForAppliedAsync(cancellationToken);

    public async Task CommitAsync(CoordinatorDbContext db, TransactionRecord tx, CancellationToken cancellationToken)
    {
        await replica.ReplicateAsync(TransactionImage.Of(tx), cancellationToken);
        // Applying keeps only a higher revision per transaction. An image built while another change of the same
        // transaction was in the log but not yet applied (a timed-out replication that committed later, say) carries
        // the same revision and is silently dropped: then this change did not happen, and what the caller was about
        // to send must not be sent. Found by the chaos run (Abort sent, then Commit decided from a stale row).
        var stored = await db.Transactions.AsNoTracking().Where(t => t.Id == tx.Id)
            .Select(t => new { t.Revision, t.State }).SingleOrDefaultAsync(cancellationToken);
        if (stored is null || stored.Revision != tx.Revision || stored.State != tx.State)
        {
            throw new DbUpdateConcurrencyException(
                $"Transaction {tx.Id}: the log applied revision {stored?.Revision} ({stored?.State}), not this change's {tx.Revision} ({tx.State}).");
        }
    }
}
