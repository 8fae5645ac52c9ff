using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Engine;

internal static class TransactionViews
{
    public static TransactionView ToView(this TransactionRecord tx) => new(
        tx.Id,
        tx.State,
        tx.CreatedAt,
        tx.Deadline,
        tx.DecidedAt,
        tx.CompletedAt,
        tx.Outcome,
        tx.AbortReason,
        tx.Metadata,
        tx.Participants
            .OrderBy(p => p.EnlistedAt)
            .Select(p => new ParticipantView(
                p.ParticipantId, p.Endpoint, p.EnlistedAt, p.Vote, p.VoteReason, p.VotedAt, p.AcknowledgedAt, p.DeliveryAttempts))
            .ToList());

    /// <summary>The answer to commit/abort; null while the outcome is not decided.</summary>
    public static OutcomeView? ToOutcome(this TransactionRecord tx) =>
        tx.Outcome is { } outcome ? new OutcomeView(tx.Id, outcome, tx.AbortReason, tx.State) : null;
}
