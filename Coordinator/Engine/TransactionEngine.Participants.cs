using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Diagnostics;

namespace TxCoordinator.Coordinator.Engine;

internal sealed partial class TransactionEngine
{
    /// <summary>Records a participant's vote (idempotent) and decides when the votes allow.</summary>
    public async Task RecordVoteAsync(ParticipantVoted vote, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vote);
        using var activity = CoordinatorDiagnostics.StartOperation(CoordinatorDiagnostics.Spans.Vote, vote.TransactionId, vote.ParticipantId);
        activity?.SetTag(CoordinatorDiagnostics.Tags.Vote, vote.Vote.ToString());
        try
        {
            var (result, latency) = await MutateAsync(vote.TransactionId, (tx, now, outbox) =>
            {
                var sentAt = tx.FindParticipant(vote.ParticipantId)?.LastSentAt;
                var result = TransactionSteps.ApplyVote(tx, vote.ParticipantId, vote.Vote, vote.Reason, now, outbox);
                return (result, result == TransactionSteps.VoteResult.Recorded && sentAt is { } sent ? now - sent : (TimeSpan?)null);
            }, cancellationToken, deferrable: true);
            if (latency is { } elapsed && elapsed >= TimeSpan.Zero)
            {
                CoordinatorDiagnostics.VoteLatency.Record(elapsed.TotalSeconds,
                    new KeyValuePair<string, object?>(CoordinatorDiagnostics.Tags.ParticipantId, vote.ParticipantId),
                    new KeyValuePair<string, object?>(CoordinatorDiagnostics.Tags.Vote, vote.Vote.ToString()));
            }

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
            activity?.SetTag(CoordinatorDiagnostics.Tags.State, "unknown");
            LogMessages.VoteIgnored(_logger, vote.ParticipantId, vote.TransactionId, "no such transaction");
        }
    }

    /// <summary>Records a participant's acknowledgement of phase two (idempotent) and completes the transaction after the last one.</summary>
    public async Task RecordAcknowledgementAsync(ParticipantCompleted ack, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ack);
        using var activity = CoordinatorDiagnostics.StartOperation(CoordinatorDiagnostics.Spans.Acknowledge, ack.TransactionId, ack.ParticipantId);
        activity?.SetTag(CoordinatorDiagnostics.Tags.Outcome, ack.Outcome.ToString());
        try
        {
            var (result, state) = await MutateAsync(ack.TransactionId, (tx, now, _) =>
                (TransactionSteps.ApplyAcknowledgement(tx, ack.ParticipantId, ack.Outcome, ack.Reason, now), tx.State), cancellationToken,
                deferrable: true);
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
            activity?.SetTag(CoordinatorDiagnostics.Tags.State, "unknown");
            LogMessages.AckIgnored(_logger, ack.ParticipantId, ack.TransactionId, "no such transaction");
        }
    }
}
