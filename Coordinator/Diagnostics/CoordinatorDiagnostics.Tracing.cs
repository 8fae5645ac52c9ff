using System.Diagnostics;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Diagnostics;

public static partial class CoordinatorDiagnostics
{
    /// <summary>Names of the engine's spans.</summary>
    public static class Spans
    {
        public const string Begin = "txc.transaction.begin";
        public const string Enlist = "txc.transaction.enlist";
        public const string Commit = "txc.transaction.commit";
        public const string Abort = "txc.transaction.abort";
        public const string Vote = "txc.transaction.vote";
        public const string Acknowledge = "txc.transaction.acknowledge";
        public const string Supervise = "txc.transaction.supervise";
        public const string Resume = "txc.transaction.resume";
    }

    /// <summary>Attributes on spans and metrics.</summary>
    public static class Tags
    {
        public const string TransactionId = "txc.transaction.id";
        public const string State = "txc.transaction.state";
        public const string ParticipantId = "txc.participant.id";
        public const string Vote = "txc.vote";
        public const string Decision = "txc.decision";
        public const string AbortReason = "txc.abort_reason";
        public const string Outcome = "txc.outcome";
        public const string ReplicaId = "txc.replica.id";
    }

    /// <summary>A span of an engine operation on one transaction, in the current trace.</summary>
    internal static Activity? StartOperation(string name, Guid transactionId, string? participantId = null)
    {
        var activity = ActivitySource.StartActivity(name, ActivityKind.Internal);
        activity?.SetTag(Tags.TransactionId, transactionId.ToString());
        if (participantId is not null)
        {
            activity?.SetTag(Tags.ParticipantId, participantId);
        }

        return activity;
    }

    /// <summary>
    /// A span of background work on one transaction (supervisor, re-drive after a restart or an election), as the root
    /// of a new trace: the request that began the transaction is long gone. The transaction id ties it to that trace.
    /// </summary>
    internal static Activity? StartBackgroundOperation(string name, Guid transactionId)
    {
        var previous = Activity.Current;
        Activity.Current = null;
        try
        {
            return StartOperation(name, transactionId);
        }
        finally
        {
            // Leaves the new span current when one was started; otherwise restores what was there.
            Activity.Current ??= previous;
        }
    }

    /// <summary>Marks the current engine span with a transaction's state, and with the decision when it was just taken.</summary>
    internal static void TagState(TransactionState state, TransactionState before, string? abortReason)
    {
        if (Activity.Current is not { } activity || activity.Source != ActivitySource)
        {
            return;
        }

        activity.SetTag(Tags.State, state.ToString());
        if (DecisionOf(before, state) is { } decision)
        {
            activity.SetTag(Tags.Decision, decision);
            if (decision == "abort")
            {
                activity.SetTag(Tags.AbortReason, abortReason);
            }

            activity.AddEvent(new ActivityEvent("txc.decided", tags: new ActivityTagsCollection { [Tags.Decision] = decision }));
        }
    }

    /// <summary>"commit" or "abort" when the change from <paramref name="before"/> to <paramref name="after"/> is the decision; else null.</summary>
    public static string? DecisionOf(TransactionState before, TransactionState after)
    {
        if (before is not (TransactionState.Active or TransactionState.Preparing) || before == after)
        {
            return null;
        }

        return after switch
        {
            TransactionState.Committing or TransactionState.Committed => "commit",
            TransactionState.Aborting or TransactionState.Aborted => "abort",
            _ => null,
        };
    }

    /// <summary>Records an exception on the span: an unexpected one is an error, a refusal (404, 409, 400) is an answer.</summary>
    internal static void RecordException(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        if (exception is TransactionConflictException conflict)
        {
            activity.SetTag(Tags.State, conflict.State.ToString());
            if (conflict.AbortReason is not null)
            {
                activity.SetTag(Tags.Decision, "abort");
                activity.SetTag(Tags.AbortReason, conflict.AbortReason);
            }

            return;
        }

        if (exception is TransactionNotFoundException or InvalidTransactionRequestException)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.AddException(exception);
    }
}
