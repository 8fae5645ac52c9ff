using Microsoft.EntityFrameworkCore;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.Coordinator.StateMachine;

namespace TxCoordinator.Coordinator.Engine;

/// <summary>
/// The engine's decision log over an <see cref="IImageLog"/>: a change becomes an image appended to the log (a Raft
/// entry committed by a majority, or a row written by a lone coordinator), and is durable once this coordinator has
/// applied it to its database. The engine's own EF context is never saved; the log's writer writes the row.
/// </summary>
internal sealed class DecisionLog(IImageLog replica, IDbContextFactory<CoordinatorDbContext> databases) : IDecisionLog
{
    public bool IsDeciding => replica.IsDeciding;

    public long Epoch => replica.Epoch;

    public void EnsureDeciding() => replica.EnsureDeciding();

    // An unfinished transaction is in the copy; a finished one leaves it as it is applied, and is read from the images
    // not written yet until its row is.
    public TransactionRecord? FindApplied(Guid transactionId) =>
        replica.Applied.Find(transactionId) ?? replica.Unwritten(transactionId)?.ToRecord();

    public IReadOnlyList<TransactionRecord> Held()
    {
        var unfinished = replica.Applied.Held().ToList();
        var ids = unfinished.Select(image => image.Id).ToHashSet();
        var finished = replica.Unwritten().Where(image => TransactionStateMachine.IsFinal(image.State) && !ids.Contains(image.Id));
        return [.. unfinished.Concat(finished).Select(image => image.ToRecord())];
    }

    public Task CatchUpAsync(CancellationToken cancellationToken) => replica.WaitForAppliedAsync(cancellationToken);

    // Only the leader keeps deferred changes, and it drops them when it stops leading: a follower's copy is the log's.
    // Nothing is deferred over a change that may still commit: applied later, it would supersede the deferred one.
    public bool TryDefer(TransactionRecord tx, long epoch) =>
        replica.IsDeciding && !replica.Leadership.IsUncertain(tx.Id) && replica.Applied.Defer(TransactionImage.Of(tx), epoch);

    public IReadOnlyList<Guid> HeldDue(DateTimeOffset now, DateTimeOffset sentBefore) => replica.Applied.Due(now, sentBefore);

    public IReadOnlyList<Guid> HeldUnfinished() => [.. replica.Applied.Held().Select(image => image.Id)];

    public bool KnowsEveryEnlistment(TransactionRecord tx) => tx.DurableEnlistments || replica.Leadership.KnowsEveryEnlistment(tx.Id);

    public async Task CommitAsync(TransactionRecord tx, long epoch, CancellationToken cancellationToken)
    {
        var image = TransactionImage.Of(tx);
        try
        {
            await replica.AppendAsync(image, epoch, cancellationToken);
        }
        catch (Exception ex) when (ex is CoordinatorUnavailableException or OperationCanceledException)
        {
            replica.Leadership.OutcomeUnknown(tx.Id, epoch);
            throw;
        }

        // Committed and applied: so is every earlier change of this term (Raft commits a prefix of the log; a lone
        // coordinator writes one batch at a time).
        replica.Leadership.OutcomeKnown(tx.Id, epoch);
        if (tx.State != TransactionState.Active)
        {
            replica.Leadership.LeftActive(tx.Id);
        }
        else if (tx.Revision == 1)
        {
            replica.Leadership.Begun(tx.Id, epoch);
        }

        // Applying keeps the first image of the highest revision per transaction. An image built while another change
        // of the same transaction was in the log but not yet applied (a timed-out replication that committed later,
        // say) carries the same revision and is silently dropped: then this change did not happen, and what the caller
        // was about to send must not be sent. Found by the chaos run (Abort sent, then Commit decided from a stale row).
        if (replica.Applied.Latest(tx.Id) is { } applied)
        {
            if (!TransactionImage.SameContent(applied, image))
            {
                throw Lost(tx, applied.Revision, applied.State);
            }

            return;
        }

        // Finished: the copy remembers the revision and state it finished with, for a while; past that (or after a
        // restart, for what the snapshot held) the database tells.
        var (revision, state) = replica.Applied.Final(tx.Id) is { } final
            ? (final.Revision, final.State)
            : await StoredAsync(tx.Id, cancellationToken);
        if (revision != tx.Revision || state != tx.State)
        {
            throw Lost(tx, revision, state);
        }
    }

    private async Task<(long? Revision, TransactionState? State)> StoredAsync(Guid transactionId, CancellationToken cancellationToken)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        return await db.Transactions.AsNoTracking().Where(t => t.Id == transactionId)
            .Select(t => new { t.Revision, t.State }).SingleOrDefaultAsync(cancellationToken) is { } stored
            ? (stored.Revision, stored.State)
            : (null, null);
    }

    private static DbUpdateConcurrencyException Lost(TransactionRecord tx, long? revision, TransactionState? state) =>
        new($"Transaction {tx.Id}: the log applied revision {revision} ({state}), not this change's {tx.Revision} ({tx.State}).");
}
