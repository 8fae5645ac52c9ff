using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Diagnostics;

namespace TxCoordinator.Coordinator.Engine;

internal sealed partial class TransactionEngine
{
    /// <summary>Records a participant's vote (idempotent) and decides when the votes allow.</summary>
    public async Task RecordVoteAsync(ParticipantVoted vote, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vote);
        try
        {
            var result = await MutateAsync(vote.TransactionId, (tx, now, outbox) =>
                TransactionSteps.ApplyVote(tx, vote.ParticipantId, vote.Vote, vote.Reason, now, outbox), cancellationToken);
            switch (result)
            {
                case TransactionSteps.VoteResult.UnknownParticipant:
                    LogMessages.VoteIgnored(_logger, vote.ParticipantId, vote.TransactionId, "the participant is not enlisted");
                    break;
                case TransactionSteps.VoteResult.NotPreparing:
                    LogMessages.VoteIgnored(_logger, vote.ParticipantId, vote.TransactionId, "the transaction was never asked to prepare");
                    break;
            }
        }
        catch (TransactionNotFoundException)
        {
            LogMessages.VoteIgnored(_logger, vote.ParticipantId, vote.TransactionId, "no such transaction");
        }
    }

    /// <summary>Records a participant's acknowledgement of phase two (idempotent) and completes the transaction after the last one.</summary>
    public async Task RecordAcknowledgementAsync(ParticipantCompleted ack, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ack);
        try
        {
            var (result, state) = await MutateAsync(ack.TransactionId, (tx, now, _) =>
                (TransactionSteps.ApplyAcknowledgement(tx, ack.ParticipantId, ack.Outcome, ack.Reason, now), tx.State), cancellationToken);
            switch (result)
            {
                case TransactionSteps.AckResult.UnknownParticipant:
                    LogMessages.AckIgnored(_logger, ack.ParticipantId, ack.TransactionId, "the participant is not enlisted");
                    break;
                case TransactionSteps.AckResult.HeuristicMismatch:
                    LogMessages.HeuristicMismatch(_logger, ack.ParticipantId, ack.TransactionId, ack.Outcome, state, ack.Reason);
                    break;
            }
        }
        catch (TransactionNotFoundException)
        {
            LogMessages.AckIgnored(_logger, ack.ParticipantId, ack.TransactionId, "no such transaction");
        }
    }
}
