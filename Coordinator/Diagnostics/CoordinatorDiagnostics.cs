using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TxCoordinator.Coordinator.Diagnostics;

/// <summary>
/// The coordinator's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, named after the assembly. Span
/// names, attributes and metrics are listed in docs/observability.md.
/// </summary>
public static partial class CoordinatorDiagnostics
{
    public const string ActivitySourceName = "TxCoordinator.Coordinator";
    public const string MeterName = "TxCoordinator.Coordinator";

    internal static readonly ActivitySource ActivitySource = new(ActivitySourceName);
    internal static readonly Meter Meter = new(MeterName);

    // Durations from a millisecond to a minute: the default buckets are made for milliseconds, ours are seconds.
    private static readonly InstrumentAdvice<double> SecondsAdvice = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    };

    internal static readonly Counter<long> TransactionsBegun = Meter.CreateCounter<long>(
        "txc.transactions.begun", "{transaction}", "Transactions begun.");

    internal static readonly Counter<long> TransactionsCommitted = Meter.CreateCounter<long>(
        "txc.transactions.committed", "{transaction}", "Transactions that completed as Committed.");

    internal static readonly Counter<long> TransactionsAborted = Meter.CreateCounter<long>(
        "txc.transactions.aborted", "{transaction}", "Transactions that completed as Aborted, by txc.abort_reason (a category).");

    internal static readonly Counter<long> TransactionsPurged = Meter.CreateCounter<long>(
        "txc.transactions.purged", "{transaction}", "Finished transactions deleted after Coordinator:FinishedRetention.");

    internal static readonly Counter<long> Resends = Meter.CreateCounter<long>(
        "txc.messages.resent", "{message}", "Prepare/Commit/Abort messages sent again because no answer came.");

    internal static readonly Histogram<double> PreparePhaseDuration = Meter.CreateHistogram(
        "txc.transaction.prepare.duration", "s", "Time from Prepare sent to every participant to the decision.", advice: SecondsAdvice);

    internal static readonly Histogram<double> DecisionDuration = Meter.CreateHistogram(
        "txc.transaction.decision.duration", "s", "Time from the commit request to the durable decision.", advice: SecondsAdvice);

    internal static readonly Histogram<double> CommitPhaseDuration = Meter.CreateHistogram(
        "txc.transaction.commit_phase.duration", "s", "Time from the commit decision to the last participant's acknowledgement.", advice: SecondsAdvice);

    internal static readonly Histogram<double> VoteLatency = Meter.CreateHistogram(
        "txc.participant.vote.duration", "s", "Time from the (last) Prepare sent to a participant to its vote, by txc.participant.id and txc.vote.", advice: SecondsAdvice);

    internal static readonly Counter<long> DeferredChanges = Meter.CreateCounter<long>(
        "txc.raft.changes.deferred", "{change}", "Enlistments, moves to Preparing and their Prepare resends, and votes and acknowledgements that decided nothing, kept by the leader without a Raft round.");

    internal static readonly Histogram<long> ReplicatedBatchSize = Meter.CreateHistogram<long>(
        "txc.raft.batch.size", "{change}", "Transaction changes carried by one Raft log entry.");

    internal static readonly Counter<long> HistoryWritten = Meter.CreateCounter<long>(
        "txc.cluster.history.written", "{transaction}", "Finished transactions fetched from a peer after a snapshot and written to this replica's database.");

    internal static readonly Counter<long> LeaderChanges = Meter.CreateCounter<long>(
        "txc.raft.leader.changes", "{change}", "Times this replica saw the Raft leader change (including to none).");
}
