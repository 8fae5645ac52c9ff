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

        /// <summary><see cref="Initiator.ITransactionInitiator.RunAsync"/>: the begin, the work and the commit or abort.</summary>
        public const string InitiatorRun = "txc.initiator.run";
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

    internal static readonly Counter<long> Initiated = Meter.CreateCounter<long>(
        "txc.initiator.transactions", "{transaction}",
        "Transactions run by ITransactionInitiator, by txc.outcome (Committed, Aborted, or Unknown: no coordinator could say).");

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

    internal static void RecordException(Activity? activity, Exception exception)
    {
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity?.AddException(exception);
    }
}
