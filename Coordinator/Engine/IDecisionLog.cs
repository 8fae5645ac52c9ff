using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Engine;

/// <summary>
/// Where the engine makes a change durable before it sends anything: PostgreSQL directly for a lone coordinator,
/// or the Raft log (committed by a majority, then applied to PostgreSQL) for a replicated one.
/// </summary>
internal interface IDecisionLog
{
    /// <summary>True while this coordinator may decide: always alone; only as the caught-up leader when replicated.</summary>
    bool IsDeciding { get; }

    /// <summary>
    /// Incremented each time this coordinator starts deciding; a new value means "re-drive everything". A change is
    /// made durable only in the term it was made in (read it before loading the transaction).
    /// </summary>
    long Epoch { get; }

    /// <exception cref="Cluster.CoordinatorUnavailableException">This coordinator may not decide now.</exception>
    void EnsureDeciding();

    /// <summary>
    /// A new, changeable record of the transaction as this log last made it durable, when the database may not show
    /// that yet (an unfinished transaction this log holds in memory, or a finished one whose row is not written yet);
    /// null means "read it from the database".
    /// </summary>
    TransactionRecord? FindApplied(Guid transactionId);

    /// <summary>
    /// New records of every transaction this log holds that the database may not show as it is, as
    /// <see cref="FindApplied"/> returns them: the unfinished ones, and finished ones not written yet (none when it
    /// keeps no copy). For the operators' lists.
    /// </summary>
    IReadOnlyList<TransactionRecord> Held();

    /// <summary>
    /// Waits until this coordinator's database shows every change the log has committed, so that a transaction read
    /// next is current: a change must never be made to a row older than the log.
    /// </summary>
    /// <exception cref="Cluster.CoordinatorUnavailableException">The database does not catch up in time.</exception>
    Task CatchUpAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Keeps a change that decides nothing (an enlistment, a vote or an acknowledgement that moves the transaction
    /// nowhere, or the move to Preparing and resends of its Prepares) without making it durable, when this log can:
    /// the change is then what <see cref="FindApplied"/> returns, and the next durable change of the transaction
    /// carries it. A lost vote or acknowledgement costs a resend; a lost enlistment or move to Preparing, an abort
    /// (see <see cref="KnowsEveryEnlistment"/>). False means "make it durable". <paramref name="epoch"/> is the
    /// <see cref="Epoch"/> read before the transaction was loaded: nothing made in an earlier term is kept.
    /// </summary>
    bool TryDefer(TransactionRecord tx, long epoch);

    /// <summary>
    /// The unfinished transactions held in memory that the supervisor must look at now: Active or Preparing past their
    /// deadline, or past Active and owing a participant an answer to a message last sent before
    /// <paramref name="sentBefore"/> (or never sent). The same rule as the supervisor's query of the database, over
    /// what that cannot show yet: deferred changes, and changes not written yet.
    /// </summary>
    IReadOnlyList<Guid> HeldDue(DateTimeOffset now, DateTimeOffset sentBefore);

    /// <summary>Every unfinished transaction held in memory, which the database may not show yet.</summary>
    IReadOnlyList<Guid> HeldUnfinished();

    /// <summary>
    /// Whether this coordinator knows every participant that enlisted in the Active transaction. An enlistment is a
    /// deferrable change, so a replicated leader knows that only of the transactions it began itself in its current
    /// term, or whose enlistments were all made durable (<see cref="TransactionRecord.DurableEnlistments"/>); one begun
    /// otherwise under an earlier leader may have lost enlistments with it, and must be aborted, not committed.
    /// </summary>
    bool KnowsEveryEnlistment(TransactionRecord tx);

    /// <summary>
    /// Makes <paramref name="tx"/> durable as it is now.
    /// <paramref name="epoch"/> is the <see cref="Epoch"/> read before the transaction was loaded (or created).
    /// </summary>
    /// <exception cref="Microsoft.EntityFrameworkCore.DbUpdateConcurrencyException">Another change of the same
    /// transaction won: nothing of this one may be sent; read again and redo it.</exception>
    /// <exception cref="Cluster.CoordinatorUnavailableException">This coordinator cannot decide now, or its term
    /// changed since <paramref name="epoch"/>.</exception>
    Task CommitAsync(TransactionRecord tx, long epoch, CancellationToken cancellationToken);
}
