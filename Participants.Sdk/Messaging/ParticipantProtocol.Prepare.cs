using Npgsql;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Branches;
using TxCoordinator.Participants.Diagnostics;
using TxCoordinator.Participants.Participation;
using TxCoordinator.Participants.Storage;

namespace TxCoordinator.Participants.Messaging;

internal sealed partial class ParticipantProtocol
{
    /// <summary>Phase one: prepares the open local work (Yes), or answers from what is recorded (duplicates, barriers).</summary>
    public async Task<PrepareResult> PrepareAsync(Guid transactionId, CancellationToken cancellationToken = default)
    {
        var gid = GidOf(transactionId);
        using var scope = LogMessages.TransactionScope(logger, transactionId);
        using var activity = StartActivity(ParticipantsDiagnostics.Spans.Prepare, transactionId);
        PrepareResult result;
        BranchLease lease;
        try
        {
            lease = await LockAsync(transactionId, gid, cancellationToken);
        }
        catch (ParticipantBusyException)
        {
            // The work is still running: it cannot be prepared now. No is always safe; the coordinator aborts.
            LogMessages.PrepareBusy(logger, transactionId, _options.LockTimeout);
            result = No($"the participant's work on the transaction was still running after {_options.LockTimeout}");
            Record(transactionId, result, activity);
            return result;
        }

        using (lease)
        {
            result = lease.Branch.Detach() is { } local
                ? await PrepareLocalAsync(local, cancellationToken)
                : await PrepareWithoutWorkAsync(gid, cancellationToken);
        }

        Record(transactionId, result, activity);
        return result;
    }

    /// <summary>
    /// The unsolicited vote: prepares a branch's work as it completes, before the coordinator knows the branch (see
    /// <see cref="ParticipantOptions.VoteOnComplete"/>). The caller holds the branch's lock and has detached the work.
    /// </summary>
    public async Task<PrepareResult> PrepareCompletedWorkAsync(LocalTransaction local, CancellationToken cancellationToken = default)
    {
        using var activity = StartActivity(ParticipantsDiagnostics.Spans.Prepare, local.TransactionId);
        activity?.SetTag(ParticipantsDiagnostics.Tags.Unsolicited, true);
        var result = await PrepareLocalAsync(local, cancellationToken, refuseLateWork: true);
        Record(local.TransactionId, result, activity);
        return result;
    }

    private async Task<PrepareResult> PrepareWithoutWorkAsync(string gid, CancellationToken cancellationToken)
    {
        var status = await store.GetStatusAsync(gid, cancellationToken);
        if (VoteFromRecord(status) is { } recorded)
        {
            return recorded;
        }

        // Never enlisted here, or the open work was lost in a restart: make sure a late enlistment cannot prepare it either.
        var outcome = await store.WriteBarrierAsync(gid, cancellationToken);
        return outcome == Outcomes.Committed
            ? Yes
            : No("the transaction is unknown here (never enlisted, or its open work was lost in a restart)");
    }

    // refuseLateWork: vote No for work enlisted again after the branch had voted (it is rolled back either way): the
    // caller completing that work must hear it was lost, where a Prepare resent for the branch deserves the recorded vote.
    // The usual case is one round trip: the outcome row, PREPARE TRANSACTION and its check in one batch. Only work that
    // comes after the branch voted makes the row's insert fail, and only then is the status read.
    private async Task<PrepareResult> PrepareLocalAsync(LocalTransaction local, CancellationToken cancellationToken, bool refuseLateWork = false)
    {
        await using (local)
        {
            try
            {
                var (readOnly, prepared) = await OutcomeStore.RecordCommitAndPrepareAsync(
                    local.Connection, local.Transaction, local.Gid, cancellationToken);
                if (!prepared)
                {
                    const string notPrepared = "PREPARE TRANSACTION did not take effect (the local transaction had already ended)";
                    await terminator.AbortRecordedAsync(local.Gid, cancellationToken);
                    return No(notPrepared);
                }

                if (readOnly)
                {
                    // All it prepared is the outcome row: committed at once, it answers a resent Prepare (the vote was
                    // lost) with Yes. Should recovery have taken the gid first, the branch changed nothing either way.
                    await store.CommitPreparedAsync(local.Gid, cancellationToken);
                    return new PrepareResult(Vote.ReadOnly, null);
                }

                return Yes;
            }
            catch (PostgresException ex) when (OutcomeStore.IsLateWork(ex))
            {
                await local.TryRollbackAsync(cancellationToken);
                return await RefuseLateWorkAsync(local, refuseLateWork, cancellationToken);
            }
            catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
            {
                LogMessages.PrepareFailed(logger, local.TransactionId, ex);
                await local.TryRollbackAsync(cancellationToken);
                await TryAbortRecordedAsync(local.TransactionId, local.Gid, cancellationToken);
                return No("prepare failed: " + ex.Message);
            }
        }
    }

    // Work enlisted again after the branch had voted (or while another instance of this participant prepared it) was
    // never part of what was voted on; it has been rolled back. No barrier: the branch that voted keeps its course.
    private async Task<PrepareResult> RefuseLateWorkAsync(LocalTransaction local, bool refuseLateWork, CancellationToken cancellationToken)
    {
        var status = await store.GetStatusAsync(local.Gid, cancellationToken);
        var finished = status.Prepared ? "prepared" : status.Outcome;
        LogMessages.WorkAfterFinish(logger, local.TransactionId, finished ?? "being prepared by another session");
        if (!refuseLateWork && VoteFromRecord(status) is { } recorded)
        {
            return recorded;
        }

        return No(finished is null
            ? "another session was preparing the branch, so this work was rolled back"
            : $"the branch had already {finished} here, so work enlisted again after it completed was rolled back");
    }

    /// <summary>
    /// Best effort after a failure: a No vote is safe without the barrier (a resent Prepare finds nothing and votes No;
    /// a branch that did get prepared is rolled back by recovery once the coordinator says Aborted).
    /// </summary>
    private async Task TryAbortRecordedAsync(Guid transactionId, string gid, CancellationToken cancellationToken)
    {
        try
        {
            await terminator.AbortRecordedAsync(gid, cancellationToken);
        }
        catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
        {
            LogMessages.BarrierFailed(logger, transactionId, ex);
        }
    }
}
