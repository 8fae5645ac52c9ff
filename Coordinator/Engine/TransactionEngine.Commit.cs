using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Diagnostics;

namespace TxCoordinator.Coordinator.Engine;

internal sealed partial class TransactionEngine
{
    /// <summary>
    /// Runs phase one and returns once the decision is durable (phase two finishes in the background).
    /// </summary>
    /// <exception cref="TransactionConflictException">The transaction is aborted (by request, a No vote or its timeout).</exception>
    /// <exception cref="OutcomePendingException">A one-phase commit's participant has not answered in time.</exception>
    public Task<OutcomeView> CommitAsync(Guid transactionId, CancellationToken cancellationToken = default) =>
        TracedAsync(CoordinatorDiagnostics.StartOperation(CoordinatorDiagnostics.Spans.Commit, transactionId), async activity =>
        {
            var outcome = await CommitCoreAsync(transactionId, cancellationToken);
            activity?.SetTag(CoordinatorDiagnostics.Tags.State, outcome.State.ToString());
            activity?.SetTag(CoordinatorDiagnostics.Tags.Decision, "commit");
            return outcome;
        });

    private async Task<OutcomeView> CommitCoreAsync(Guid transactionId, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        // Register before the state is read, so a decision that races this call cannot be missed.
        var signal = _signals.Register(transactionId);
        try
        {
            var (start, outcome, deadline, onePhase) = await MutateAsync(transactionId, (tx, now, outbox) =>
            {
                var start = AbortIfEnlistmentsLost(tx, now, outbox)
                    ? TransactionSteps.CommitStart.Refused
                    : TransactionSteps.StartCommit(tx, now, outbox);
                return (start, tx.ToOutcome(), tx.Deadline, tx.OnePhase);
            }, cancellationToken, deferrable: true);

            switch (start)
            {
                case TransactionSteps.CommitStart.Decided when outcome is not null:
                    // Every participant had voted as it enlisted (or none enlisted): decided by this request.
                    CoordinatorDiagnostics.DecisionDuration.Record(_time.GetElapsedTime(started).TotalSeconds);
                    return Refuse(outcome, TransactionOutcome.Aborted);
                case TransactionSteps.CommitStart.Refused when outcome is not null:
                    return Refuse(outcome, TransactionOutcome.Aborted);
            }

            var preparing = _time.GetTimestamp();
            var wait = onePhase ? _options.OnePhaseWait : deadline - _time.GetUtcNow();
            var decided = await WaitAsync(signal, wait, cancellationToken);
            if (decided is null && !onePhase)
            {
                // The deadline passed with votes missing: decide now rather than wait for the supervisor's sweep.
                // The timer runs on a monotonic clock, the deadline on the wall clock: make sure it really passed.
                var early = deadline - _time.GetUtcNow();
                if (early > TimeSpan.Zero)
                {
                    await Task.Delay(early + TimeSpan.FromMilliseconds(1), _time, cancellationToken);
                }

                decided = await MutateAsync(transactionId, (tx, now, outbox) =>
                {
                    TransactionSteps.Decide(tx, now, outbox);
                    return tx.ToOutcome();
                }, cancellationToken);
            }

            if (decided is null)
            {
                var current = await GetAsync(transactionId, cancellationToken);
                throw new OutcomePendingException(transactionId, current.State);
            }

            if (start == TransactionSteps.CommitStart.AwaitVotes)
            {
                CoordinatorDiagnostics.PreparePhaseDuration.Record(_time.GetElapsedTime(preparing).TotalSeconds);
            }

            CoordinatorDiagnostics.DecisionDuration.Record(_time.GetElapsedTime(started).TotalSeconds);
            return Refuse(decided, TransactionOutcome.Aborted);
        }
        finally
        {
            _signals.Forget(transactionId);
        }
    }

    /// <summary>Aborts the transaction unless it is already committed (or handed to its only participant to commit).</summary>
    /// <exception cref="TransactionConflictException">The transaction is committed or committing.</exception>
    public Task<OutcomeView> AbortAsync(Guid transactionId, string? reason, CancellationToken cancellationToken = default) =>
        TracedAsync(CoordinatorDiagnostics.StartOperation(CoordinatorDiagnostics.Spans.Abort, transactionId), async activity =>
        {
            var outcome = await AbortCoreAsync(transactionId, reason, cancellationToken);
            activity?.SetTag(CoordinatorDiagnostics.Tags.State, outcome.State.ToString());
            activity?.SetTag(CoordinatorDiagnostics.Tags.AbortReason, outcome.Reason);
            return outcome;
        });

    private async Task<OutcomeView> AbortCoreAsync(Guid transactionId, string? reason, CancellationToken cancellationToken)
    {
        if (reason is { Length: > 1024 })
        {
            throw new InvalidTransactionRequestException("reason", "The abort reason must be at most 1024 characters.");
        }

        var (aborted, outcome, state) = await MutateAsync(transactionId, (tx, now, outbox) =>
        {
            var aborted = TransactionSteps.Abort(tx, string.IsNullOrWhiteSpace(reason) ? "aborted by request" : reason, now, outbox);
            return (aborted, tx.ToOutcome(), tx.State);
        }, cancellationToken);

        if (!aborted || outcome is null)
        {
            throw new TransactionConflictException(transactionId, state, $"Transaction {transactionId} is {state} and can no longer be aborted.");
        }

        return outcome;
    }

    private static OutcomeView Refuse(OutcomeView outcome, TransactionOutcome refused) =>
        outcome.Outcome == refused
            ? throw new TransactionConflictException(outcome.Id, outcome.State,
                $"Transaction {outcome.Id} is {outcome.State}: {outcome.Reason}", outcome.Reason)
            : outcome;

    private async Task<OutcomeView?> WaitAsync(Task<OutcomeView> signal, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (wait <= TimeSpan.Zero)
        {
            return signal.IsCompletedSuccessfully ? signal.Result : null;
        }

        try
        {
            return await signal.WaitAsync(wait, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }
}
