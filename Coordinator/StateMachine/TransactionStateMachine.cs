using TxCoordinator.Contracts;

namespace TxCoordinator.Coordinator.StateMachine;

/// <summary>
/// The legal state changes of a transaction. Everything not listed is an error: a late message or a racing
/// request must never silently overwrite a decision.
/// </summary>
/// <remarks>
/// <code>
/// Active ──commit, 2+ participants──▶ Preparing ──all Yes──▶ Committing ──all acks──▶ Committed
///   │  ├─commit, 1 participant (one-phase)──────────────────▶ Committing ──ack Aborted──▶ Aborted
///   │  └─commit, no participants / all read-only────────────────────────────────────────▶ Committed
///   └─abort, timeout──▶ Aborting ◀──No vote, timeout── Preparing          Aborting ──all acks──▶ Aborted
/// </code>
/// </remarks>
public static class TransactionStateMachine
{
    public static bool IsFinal(TransactionState state) =>
        state is TransactionState.Committed or TransactionState.Aborted;

    public static bool CanTransition(TransactionState from, TransactionState to, bool onePhase = false) => (from, to) switch
    {
        (TransactionState.Active, TransactionState.Preparing) => true,
        (TransactionState.Active, TransactionState.Committing) => true,   // one-phase commit
        (TransactionState.Active, TransactionState.Committed) => true,    // nothing enlisted
        (TransactionState.Active, TransactionState.Aborting) => true,
        (TransactionState.Active, TransactionState.Aborted) => true,      // nothing enlisted
        (TransactionState.Preparing, TransactionState.Committing) => true,
        (TransactionState.Preparing, TransactionState.Committed) => true, // every vote read-only
        (TransactionState.Preparing, TransactionState.Aborting) => true,
        (TransactionState.Committing, TransactionState.Committed) => true,
        (TransactionState.Committing, TransactionState.Aborted) => onePhase, // the participant's local commit failed
        (TransactionState.Aborting, TransactionState.Aborted) => true,
        _ => false,
    };

    /// <exception cref="IllegalTransitionException">The change is not in the table above.</exception>
    public static void EnsureCanTransition(Guid transactionId, TransactionState from, TransactionState to, bool onePhase = false)
    {
        if (!CanTransition(from, to, onePhase))
        {
            throw new IllegalTransitionException(transactionId, from, to);
        }
    }
}
