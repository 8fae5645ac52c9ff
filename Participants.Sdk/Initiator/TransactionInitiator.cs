using System.Net;
using Microsoft.Extensions.Logging;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Diagnostics;
using TxCoordinator.Participants.Propagation;

namespace TxCoordinator.Participants.Initiator;

internal sealed class TransactionInitiator(
    ITransactionCoordinatorClient coordinator, TimeProvider timeProvider, ILogger<TransactionInitiator> logger) : ITransactionInitiator
{
    /// <summary>An abort only releases the participants sooner (the coordinator's timeout aborts anyway), so it is not
    /// waited for long, and not cut short by the caller's token: a cancelled caller is what it cleans up after.</summary>
    internal static readonly TimeSpan AbortTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a one-phase commit still pending (504) is watched at least, when its deadline is nearer.</summary>
    internal static readonly TimeSpan MinimumPendingWait = TimeSpan.FromSeconds(10);

    internal static readonly TimeSpan PendingPollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>The <c>txc.outcome</c> of a run that ended in <see cref="TransactionOutcomeUnknownException"/>.</summary>
    internal const string UnknownOutcome = "Unknown";

    /// <summary>The coordinator refuses longer abort reasons (400).</summary>
    private const int MaxReasonLength = 1024;

    public async Task<TransactionResult> RunAsync(
        Func<InitiatedTransaction, CancellationToken, Task> work, TransactionRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        // Started before the begin, so that the calls to the coordinator and the services are its children.
        using var activity = ParticipantsDiagnostics.ActivitySource.StartActivity(ParticipantsDiagnostics.Spans.InitiatorRun);
        string? outcome = null;
        try
        {
            var begun = await coordinator.BeginAsync(options?.Timeout, options?.Metadata, cancellationToken);
            activity?.SetTag(ParticipantsDiagnostics.Tags.TransactionId, begun.Id.ToString());
            var transaction = new InitiatedTransaction(begun.Id, begun.Deadline);
            using (DistributedTransactionContext.Begin(transaction.Id))
            {
                try
                {
                    await work(transaction, cancellationToken);
                }
                catch (Exception ex)
                {
                    outcome = nameof(TransactionOutcome.Aborted);
                    await TryAbortAsync(transaction.Id, "the initiator's work failed: " + ex.Message);
                    throw;
                }
            }

            TransactionResult result;
            if (transaction.AbortReason is { } reason)
            {
                // Nothing commits without a commit request: an abort that fails leaves the timeout to abort it.
                await TryAbortAsync(transaction.Id, reason);
                result = new TransactionResult(transaction.Id, TransactionOutcome.Aborted, reason);
            }
            else
            {
                result = await CommitAsync(transaction, cancellationToken);
            }

            outcome = result.Outcome.ToString();
            return result;
        }
        catch (Exception ex)
        {
            if (ex is TransactionOutcomeUnknownException)
            {
                outcome = UnknownOutcome;
            }

            ParticipantsDiagnostics.RecordException(activity, ex);
            throw;
        }
        finally
        {
            // None when the begin failed: no transaction was run.
            if (outcome is not null)
            {
                activity?.SetTag(ParticipantsDiagnostics.Tags.Outcome, outcome);
                ParticipantsDiagnostics.Initiated.Add(1, new KeyValuePair<string, object?>(ParticipantsDiagnostics.Tags.Outcome, outcome));
            }
        }
    }

    private async Task<TransactionResult> CommitAsync(InitiatedTransaction transaction, CancellationToken cancellationToken)
    {
        var id = transaction.Id;
        try
        {
            var outcome = await coordinator.CommitAsync(id, cancellationToken);
            return new TransactionResult(id, outcome.Outcome, outcome.Reason);
        }
        catch (TransactionCoordinatorException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // Decided before or by this request: aborted by a No vote, the timeout or an operator.
            return new TransactionResult(id, TransactionOutcome.Aborted, ex.AbortReason ?? ex.Detail ?? ex.Title);
        }
        catch (TransactionCoordinatorException ex) when (ex.StatusCode == HttpStatusCode.GatewayTimeout)
        {
            // A one-phase commit whose only participant has not answered yet: the decision is its, and GET shows it.
            return await AwaitPendingAsync(transaction, ex, cancellationToken);
        }
        catch (Exception ex) when (ex is CoordinatorUnavailableException or TransactionCoordinatorException)
        {
            // Whether the commit was decided is not known (an answer can be lost after the decision): an abort
            // settles it, and is refused if the decision was commit.
            return await SettleAsync(id, ex);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled with the commit on its way: decided either way or not at all, as after a lost answer, but the
            // caller no longer waits for an abort to settle it. In doubt, as TransactionScope's commit would say.
            throw Unknown(id, ex, null);
        }
    }

    private async Task<TransactionResult> SettleAsync(Guid id, Exception commitFailure)
    {
        using var timeout = new CancellationTokenSource(AbortTimeout, timeProvider);
        try
        {
            var outcome = await coordinator.AbortAsync(id, Bounded("the commit request failed: " + commitFailure.Message), timeout.Token);
            return new TransactionResult(id, outcome.Outcome, outcome.Reason);
        }
        catch (TransactionCoordinatorException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            var state = ex.CurrentState ?? await StateOrUnknownAsync(id, commitFailure, timeout);
            if (state is TransactionState.Committing or TransactionState.Committed)
            {
                return new TransactionResult(id, TransactionOutcome.Committed, null);
            }

            throw Unknown(id, commitFailure, ex);
        }
        catch (TransactionCoordinatorException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // A transaction the coordinator does not know is aborted: its participants' recovery rolls them back.
            return new TransactionResult(id, TransactionOutcome.Aborted, ex.Detail ?? ex.Title);
        }
        catch (Exception ex) when (IsUnanswered(ex, timeout.Token))
        {
            throw Unknown(id, commitFailure, ex);
        }
    }

    private async Task<TransactionState?> StateOrUnknownAsync(Guid id, Exception commitFailure, CancellationTokenSource timeout)
    {
        try
        {
            return (await coordinator.GetAsync(id, timeout.Token))?.State;
        }
        catch (Exception ex) when (IsUnanswered(ex, timeout.Token))
        {
            throw Unknown(id, commitFailure, ex);
        }
    }

    private async Task<TransactionResult> AwaitPendingAsync(InitiatedTransaction transaction, Exception pending, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var until = transaction.Deadline > now + MinimumPendingWait ? transaction.Deadline : now + MinimumPendingWait;
        while (timeProvider.GetUtcNow() < until)
        {
            TransactionView? view;
            try
            {
                await Task.Delay(PendingPollInterval, timeProvider, cancellationToken);
                view = await coordinator.GetAsync(transaction.Id, cancellationToken);
            }
            catch (Exception ex) when (IsUnanswered(ex, cancellationToken))
            {
                throw Unknown(transaction.Id, pending, ex);
            }

            switch (view?.State)
            {
                case TransactionState.Committing or TransactionState.Committed:
                    return new TransactionResult(transaction.Id, TransactionOutcome.Committed, null);
                case TransactionState.Aborting or TransactionState.Aborted:
                    return new TransactionResult(transaction.Id, TransactionOutcome.Aborted, view.AbortReason);
            }
        }

        throw Unknown(transaction.Id, pending, null);
    }

    private async Task TryAbortAsync(Guid id, string reason)
    {
        using var timeout = new CancellationTokenSource(AbortTimeout, timeProvider);
        try
        {
            await coordinator.AbortAsync(id, Bounded(reason), timeout.Token);
        }
        catch (Exception ex) when (IsUnanswered(ex, timeout.Token))
        {
            LogMessages.InitiatorAbortFailed(logger, id, ex);
        }
    }

    private TransactionOutcomeUnknownException Unknown(Guid id, Exception commitFailure, Exception? lookupFailure)
    {
        LogMessages.InitiatorOutcomeUnknown(logger, id, commitFailure.Message, lookupFailure?.Message);
        return new TransactionOutcomeUnknownException(
            id,
            $"The commit of transaction {id} was asked for, and what was decided is not known ({commitFailure.Message}"
            + (lookupFailure is null ? ")" : $"; then: {lookupFailure.Message})") + $". GET /transactions/{id} tells it once a coordinator answers.",
            commitFailure);
    }

    /// <summary>No coordinator answered, or one refused, before <paramref name="token"/> was cancelled.</summary>
    private static bool IsUnanswered(Exception ex, CancellationToken token) =>
        ex is CoordinatorUnavailableException or TransactionCoordinatorException
        || (ex is OperationCanceledException && token.IsCancellationRequested);

    private static string Bounded(string reason) => reason.Length > MaxReasonLength ? reason[..MaxReasonLength] : reason;
}
