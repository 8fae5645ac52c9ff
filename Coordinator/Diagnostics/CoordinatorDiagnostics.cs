using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TxCoordinator.Coordinator.Diagnostics;

/// <summary>The coordinator's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, named after the assembly.</summary>
public static class CoordinatorDiagnostics
{
    public const string ActivitySourceName = "TxCoordinator.Coordinator";
    public const string MeterName = "TxCoordinator.Coordinator";

    internal static readonly ActivitySource ActivitySource = new(ActivitySourceName);
    internal static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> TransactionsBegun = Meter.CreateCounter<long>(
        "txc.transactions.begun", "{transaction}", "Transactions begun.");

    internal static readonly Counter<long> TransactionsCompleted = Meter.CreateCounter<long>(
        "txc.transactions.completed", "{transaction}", "Transactions that reached a final state, by outcome.");

    internal static readonly Counter<long> Resends = Meter.CreateCounter<long>(
        "txc.messages.resent", "{message}", "Prepare/Commit/Abort messages sent again because no answer came.");

    internal static readonly Histogram<double> DecisionDuration = Meter.CreateHistogram<double>(
        "txc.transaction.decision.duration", "ms", "Time from the commit request to the durable decision.");

    internal static readonly Histogram<long> ReplicatedBatchSize = Meter.CreateHistogram<long>(
        "txc.raft.batch.size", "{change}", "Transaction changes carried by one Raft log entry.");
}
