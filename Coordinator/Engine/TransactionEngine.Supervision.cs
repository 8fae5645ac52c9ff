using Microsoft.EntityFrameworkCore;
using TxCoordinator.Coordinator.Diagnostics;

namespace TxCoordinator.Coordinator.Engine;

internal sealed partial class TransactionEngine
{
    /// <summary>What one supervisor sweep did.</summary>
    public readonly record struct SweepResult(int Examined, int Expired, int Resent, int Stuck);

    /// <summary>
    /// One pass of the supervisor: aborts transactions past their deadline and resends every message that went
    /// unanswered for its backoff delay. Only candidates are loaded, found by one indexed query, so a sweep costs
    /// nothing when all is well.
    /// </summary>
    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        List<Guid> candidates;
        // The earliest a message can be due again is ResendInitialDelay after it was sent; the exact backoff
        // is applied per participant by TransactionSteps.Supervise.
        var resendBefore = now - _options.ResendInitialDelay;
        await using (var db = await _databases.CreateDbContextAsync(cancellationToken))
        {
            candidates = await db.Transactions
                .Where(t => t.State != Contracts.TransactionState.Committed && t.State != Contracts.TransactionState.Aborted)
                .Where(t =>
                    ((t.State == Contracts.TransactionState.Active || t.State == Contracts.TransactionState.Preparing) && t.Deadline <= now)
                    || (t.State != Contracts.TransactionState.Active
                        && t.Participants.Any(p => p.AcknowledgedAt == null && (p.LastSentAt == null || p.LastSentAt <= resendBefore))))
                .OrderBy(t => t.Deadline)
                .Select(t => t.Id)
                .Take(_options.SweepBatchSize)
                .ToListAsync(cancellationToken);
        }

        // What the log holds in memory may not be in the database yet: a deferred move to Preparing (the row still says
        // Active), or a change applied but not written.
        candidates = [.. candidates.Union(_log.HeldDue(now, resendBefore).Take(_options.SweepBatchSize))];

        var policy = ResendPolicy.From(_options);
        int expired = 0, resent = 0, stuck = 0;
        foreach (var id in candidates)
        {
            using var activity = CoordinatorDiagnostics.StartBackgroundOperation(CoordinatorDiagnostics.Spans.Supervise, id);
            var supervision = await MutateAsync(id, (tx, at, outbox) =>
            {
                var result = TransactionSteps.Supervise(tx, at, policy, outbox);
                foreach (var participant in result.Stuck)
                {
                    LogMessages.Stuck(_logger, tx.Id, tx.State, participant.ParticipantId, participant.DeliveryAttempts);
                }

                return result;
            }, cancellationToken, deferrable: true);
            activity?.SetTag("txc.resent", supervision.Resent);
            expired += supervision.Expired ? 1 : 0;
            resent += supervision.Resent;
            stuck += supervision.Stuck.Count;
        }

        if (resent > 0)
        {
            CoordinatorDiagnostics.Resends.Add(resent);
        }

        return new SweepResult(candidates.Count, expired, resent, stuck);
    }

    /// <summary>
    /// Re-drives every unfinished transaction (see <see cref="TransactionSteps.Resume"/>): run when this coordinator
    /// starts deciding, after a restart or on becoming the leader.
    /// </summary>
    public async Task<int> ResumeAllAsync(CancellationToken cancellationToken = default)
    {
        List<Guid> unfinished;
        await using (var db = await _databases.CreateDbContextAsync(cancellationToken))
        {
            unfinished = await db.Transactions
                .Where(t => t.State != Contracts.TransactionState.Committed && t.State != Contracts.TransactionState.Aborted)
                .OrderBy(t => t.Deadline)
                .Select(t => t.Id)
                .ToListAsync(cancellationToken);
        }

        // The database may not show the newest yet (its rows are written behind the log): a transaction begun just
        // before the takeover would otherwise wait for its deadline, and its prepared branches with it.
        unfinished = [.. unfinished.Union(_log.HeldUnfinished())];

        LogMessages.Redriving(_logger, unfinished.Count);
        // A few at a time: each is a round trip to the log, and a large backlog must not starve new requests.
        await Parallel.ForEachAsync(unfinished, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (id, ct) =>
            {
                using var activity = CoordinatorDiagnostics.StartBackgroundOperation(CoordinatorDiagnostics.Spans.Resume, id);
                try
                {
                    // An Active one begun under an earlier leader is doomed unless its enlistments were durable (they or
                    // its move to Preparing may have died with that leader; see AbortIfEnlistmentsLost): abort it now rather
                    // than when someone asks, so that a participant prepared meanwhile hears "aborted" from its recovery
                    // instead of "active" until the deadline.
                    var sent = await MutateAsync(id, (tx, at, outbox) =>
                        !Requests(tx, FaultInjectionOptions.KeepOnTakeover) && AbortIfEnlistmentsLost(tx, at, outbox)
                            ? outbox.Count
                            : TransactionSteps.Resume(tx, at, outbox), ct);
                    activity?.SetTag("txc.resent", sent);
                }
                catch (TransactionNotFoundException)
                {
                    // Cannot happen with one writer; harmless if it does.
                }
            });
        return unfinished.Count;
    }
}
