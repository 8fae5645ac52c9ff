using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TxCoordinator.Participants.Diagnostics;

/// <summary>
/// The SDK's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, named after the assembly. Enable both
/// with <c>AddTransactionParticipantInstrumentation()</c> on the tracer and meter provider builders.
/// </summary>
public static class ParticipantsDiagnostics
{
    public const string ActivitySourceName = "TxCoordinator.Participants.Sdk";
    public const string MeterName = "TxCoordinator.Participants.Sdk";

    /// <summary>Names of the SDK's spans.</summary>
    public static class Spans
    {
        public const string Enlist = "txc.participant.enlist";
        public const string Prepare = "txc.participant.prepare";
        public const string Commit = "txc.participant.commit";
        public const string CommitOnePhase = "txc.participant.commit_one_phase";
        public const string Abort = "txc.participant.abort";

        /// <summary>
        /// One Commit out of a gathered CommitTransactions message: a child of the decision's span in the transaction's
        /// trace, linked to the message's consume span; the commit span is its child.
        /// </summary>
        public const string GatheredCommit = "txc.participant.gathered_commit";
    }

    /// <summary>Attributes on spans and metrics (the same names as the coordinator's).</summary>
    public static class Tags
    {
        public const string TransactionId = "txc.transaction.id";
        public const string ParticipantId = "txc.participant.id";
        public const string Vote = "txc.vote";
        public const string Decision = "txc.decision";
        public const string Outcome = "txc.outcome";

        /// <summary>On a prepare span: the participant prepared as its work completed, unasked.</summary>
        public const string Unsolicited = "txc.vote.unsolicited";
    }

    internal static readonly ActivitySource ActivitySource = new(ActivitySourceName);
    internal static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> Votes = Meter.CreateCounter<long>(
        "txc.participant.votes", "{vote}", "Votes, sent in answer to Prepare or with the enlistment, by txc.vote (Yes, No, ReadOnly).");

    internal static readonly Counter<long> Completions = Meter.CreateCounter<long>(
        "txc.participant.completions", "{message}", "Phase-two outcomes acknowledged, by txc.decision (commit, abort) and txc.outcome (Committed, Aborted).");

    internal static readonly Counter<long> Recovered = Meter.CreateCounter<long>(
        "txc.participant.recovered", "{transaction}", "Prepared transactions resolved by recovery, by txc.outcome.");

    internal static readonly Counter<long> Expired = Meter.CreateCounter<long>(
        "txc.participant.expired", "{transaction}", "Open local transactions rolled back because no Prepare came before the deadline.");

    /// <summary>A span of this participant's work on one transaction, in the current trace.</summary>
    internal static Activity? StartActivity(string name, Guid transactionId, string participantId)
    {
        var activity = ActivitySource.StartActivity(name, ActivityKind.Internal);
        activity?.SetTag(Tags.TransactionId, transactionId.ToString());
        activity?.SetTag(Tags.ParticipantId, participantId);
        return activity;
    }

    /// <summary>
    /// The span of one gathered Commit, in the trace of the decision named by <paramref name="traceParent"/> (a W3C
    /// traceparent) and linked to the current span, the message's.
    /// </summary>
    internal static Activity? StartGatheredCommit(string? traceParent, Guid transactionId, string participantId)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(traceParent, null, out var parent);
        var links = Activity.Current is { } message ? new[] { new ActivityLink(message.Context) } : null;
        var activity = ActivitySource.StartActivity(Spans.GatheredCommit, ActivityKind.Consumer, parent, links: links);
        activity?.SetTag(Tags.TransactionId, transactionId.ToString());
        activity?.SetTag(Tags.ParticipantId, participantId);
        return activity;
    }

    internal static void RecordException(Activity? activity, Exception exception)
    {
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity?.AddException(exception);
    }
}
