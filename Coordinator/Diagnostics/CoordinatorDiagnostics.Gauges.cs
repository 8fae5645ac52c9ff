using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using TxCoordinator.Coordinator.Cluster;

namespace TxCoordinator.Coordinator.Diagnostics;

public static partial class CoordinatorDiagnostics
{
    // What the observable gauges read. Registered by the running components (normally one of each per process;
    // several when tests host more), so a scrape costs no query.
    private static ImmutableList<InFlightTransactionsMonitor> _inFlightMonitors = [];
    private static ImmutableList<RaftReplica> _replicas = [];

    internal static readonly ObservableGauge<long> InFlight = Meter.CreateObservableGauge(
        "txc.transactions.in_flight",
        () => _inFlightMonitors.Select(m => m.Count).OfType<long>().Select(count => new Measurement<long>(count)),
        "{transaction}", "Unfinished transactions (neither Committed nor Aborted) in this replica's database, counted periodically.");

    internal static readonly ObservableGauge<long> RaftTerm = Meter.CreateObservableGauge(
        "txc.raft.term", () => ObserveReplicas(r => r.Term), "{term}", "This replica's current Raft term.");

    internal static readonly ObservableGauge<long> RaftCommitIndex = Meter.CreateObservableGauge(
        "txc.raft.commit_index", () => ObserveReplicas(r => r.CommitIndex), "{entry}", "Index of the last Raft log entry known to be committed.");

    internal static readonly ObservableGauge<long> RaftAppliedIndex = Meter.CreateObservableGauge(
        "txc.raft.applied_index", () => ObserveReplicas(r => r.AppliedIndex), "{entry}", "Index of the last Raft log entry applied to this replica's database.");

    internal static IDisposable Observe(InFlightTransactionsMonitor monitor)
    {
        ImmutableInterlocked.Update(ref _inFlightMonitors, l => l.Add(monitor));
        return new Unregister(() => ImmutableInterlocked.Update(ref _inFlightMonitors, l => l.Remove(monitor)));
    }

    internal static IDisposable Observe(RaftReplica replica)
    {
        ImmutableInterlocked.Update(ref _replicas, l => l.Add(replica));
        return new Unregister(() => ImmutableInterlocked.Update(ref _replicas, l => l.Remove(replica)));
    }

    private static IEnumerable<Measurement<long>> ObserveReplicas(Func<RaftReplica, long> value) =>
        _replicas.Select(r => new Measurement<long>(value(r), new KeyValuePair<string, object?>(Tags.ReplicaId, r.Options.ReplicaId)));

    private sealed class Unregister(Func<bool> remove) : IDisposable
    {
        public void Dispose() => remove();
    }
}
