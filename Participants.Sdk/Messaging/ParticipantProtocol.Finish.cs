using TxCoordinator.Participants.Branches;
using TxCoordinator.Participants.Diagnostics;
using TxCoordinator.Participants.Storage;

namespace TxCoordinator.Participants.Messaging;

internal sealed partial class ParticipantProtocol
{
    /// <summary>Phase two, commit: COMMIT PREPARED, or the local COMMIT when <paramref name="onePhase"/> is set.</summary>
    /// <exception cref="Participation.ParticipantBusyException">Work on the transaction is still running; the message is retried.</exception>
    public async Task<CompletionResult> CommitAsync(Guid transactionId, bool onePhase, CancellationToken cancellationToken = default)
    {
        var gid = GidOf(transactionId);
        using var scope = LogMessages.TransactionScope(logger, transactionId);
        using var activity = StartActivity(
            onePhase ? ParticipantsDiagnostics.Spans.CommitOnePhase : ParticipantsDiagnostics.Spans.Commit, transactionId, "commit");
        CompletionResult result;
        using (var lease = await LockAsync(transactionId, gid, cancellationToken))
        {
            var local = lease.Branch.Detach();
            result = onePhase
                ? await CommitOnePhaseAsync(transactionId, gid, local, cancellationToken)
                : await CommitTwoPhaseAsync(transactionId, gid, local, cancellationToken);
        }

        Record(transactionId, "commit", result, activity);
        return result;
    }

    /// <summary>Phase two, abort: rolls back whatever exists and leaves the barrier so that a late Prepare votes No.</summary>
    public async Task<CompletionResult> AbortAsync(Guid transactionId, CancellationToken cancellationToken = default)
    {
        var gid = GidOf(transactionId);
        using var scope = LogMessages.TransactionScope(logger, transactionId);
        using var activity = StartActivity(ParticipantsDiagnostics.Spans.Abort, transactionId, "abort");
        string outcome;
        using (var lease = await LockAsync(transactionId, gid, cancellationToken))
        {
            outcome = lease.Branch.Detach() is { } local
                ? await terminator.AbortLocalAsync(local, cancellationToken)
                : await terminator.AbortRecordedAsync(gid, cancellationToken);
        }

        string? reason = null;
        if (outcome == Outcomes.Committed)
        {
            // Expected only for a read-only branch, whose empty commit is recorded; otherwise the coordinator contradicted itself.
            LogMessages.ProtocolViolation(logger, transactionId, "abort requested for a branch already committed here");
            reason = "the branch had already committed here";
        }

        var result = Aborted(reason);
        Record(transactionId, "abort", result, activity);
        return result;
    }

    private async Task<CompletionResult> CommitTwoPhaseAsync(
        Guid transactionId, string gid, LocalTransaction? local, CancellationToken cancellationToken)
    {
        if (local is not null)
        {
            LogMessages.ProtocolViolation(logger, transactionId, "two-phase commit requested before the branch was prepared");
            await terminator.AbortLocalAsync(local, cancellationToken);
            return Aborted("commit arrived before prepare; the work was rolled back");
        }

        // The usual case first: a prepared branch. 42704 (no such gid) means a duplicate, or a branch finished by
        // recovery or never prepared; COMMIT PREPARED cannot tell which, the outcome row can.
        if (await store.CommitPreparedAsync(gid, cancellationToken))
        {
            return Committed;
        }

        var status = await store.GetStatusAsync(gid, cancellationToken);
        if (status.IsCommitted)
        {
            return Committed;
        }

        if (status.Prepared)
        {
            // Prepared just now by another instance with the same participant id: retry the message.
            throw new InvalidOperationException($"Transaction {transactionId} was prepared while being committed; retrying.");
        }

        var recorded = status.Outcome ?? await store.WriteBarrierAsync(gid, cancellationToken);
        if (recorded == Outcomes.Committed)
        {
            return Committed;
        }

        LogMessages.ProtocolViolation(logger, transactionId,
            status.Outcome is null ? "commit requested for a branch never prepared here" : "commit requested for a branch rolled back here");
        return Aborted(status.Outcome is null ? "the branch was not prepared here" : "the branch was rolled back here");
    }

    private async Task<CompletionResult> CommitOnePhaseAsync(
        Guid transactionId, string gid, LocalTransaction? local, CancellationToken cancellationToken)
    {
        if (local is not null)
        {
            await using (local)
            {
                try
                {
                    await OutcomeStore.RecordCommitAndCommitAsync(local.Connection, local.Transaction, gid, cancellationToken);
                    return Committed;
                }
                catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
                {
                    LogMessages.OnePhaseCommitFailed(logger, transactionId, ex);
                    await local.TryRollbackAsync(cancellationToken);
                    // The COMMIT may have reached the server before the connection broke: the outcome row says.
                    var after = await store.GetStatusAsync(gid, cancellationToken);
                    if (after.IsCommitted)
                    {
                        return Committed;
                    }

                    var outcome = after.Outcome ?? await store.WriteBarrierAsync(gid, cancellationToken);
                    return outcome == Outcomes.Committed ? Committed : Aborted("local commit failed: " + ex.Message);
                }
            }
        }

        var status = await store.GetStatusAsync(gid, cancellationToken);
        if (status.Prepared)
        {
            // Prepared by an earlier Prepare: a one-phase decision still means commit.
            if (await store.CommitPreparedAsync(gid, cancellationToken))
            {
                return Committed;
            }

            status = await store.GetStatusAsync(gid, cancellationToken);
        }

        var recorded = status.Outcome ?? await store.WriteBarrierAsync(gid, cancellationToken);
        return recorded == Outcomes.Committed
            ? Committed
            : Aborted(status.Outcome is null
                ? "the transaction is unknown here (never enlisted, or its open work was lost in a restart)"
                : "the branch was rolled back here earlier (failed work, expiry or abort)");
    }
}
