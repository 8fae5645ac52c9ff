using TxCoordinator.Contracts;

namespace TxCoordinator.Participants.Initiator;

/// <summary>What was decided for a transaction run by <see cref="ITransactionInitiator"/>.</summary>
/// <param name="TransactionId">The transaction the work ran in.</param>
/// <param name="Outcome">What the coordinator decided.</param>
/// <param name="Reason">Why it aborted; null when committed.</param>
public sealed record TransactionResult(Guid TransactionId, TransactionOutcome Outcome, string? Reason)
{
    public bool Committed => Outcome == TransactionOutcome.Committed;
}
