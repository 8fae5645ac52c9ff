using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using TxCoordinator.Participants.Diagnostics;

namespace TxCoordinator.Participants.Recovery;

/// <summary>
/// What each participant's last recovery pass left prepared in its database, for the gauges
/// <c>txc.participant.prepared</c> and <c>txc.participant.prepared.oldest_age</c>. A prepared transaction holds its
/// rows' locks until phase two; one that stays (its participant never told, the coordinator unreachable) is the
/// classic stuck branch of two-phase commit, and its age is what an operator alerts on.
/// </summary>
internal static class PreparedBranchesObserved
{
    private sealed record Observation(int Count, DateTimeOffset? Oldest, TimeProvider Time);

    // Keyed by participant id: one process may host several participants (and the tests host many).
    private static readonly ConcurrentDictionary<string, Observation> Last = new(StringComparer.Ordinal);

    private static readonly ObservableGauge<int> Prepared = ParticipantsDiagnostics.Meter.CreateObservableGauge(
        "txc.participant.prepared", ObserveCount, "{transaction}",
        "Transactions prepared in this participant's database after its last recovery pass (in flight or left behind), by txc.participant.id.");

    private static readonly ObservableGauge<double> OldestAge = ParticipantsDiagnostics.Meter.CreateObservableGauge(
        "txc.participant.prepared.oldest_age", ObserveOldestAge, "s",
        "Age of the oldest transaction prepared in this participant's database after its last recovery pass (0 with none), by txc.participant.id; one that keeps growing is a branch nobody resolves, holding its rows' locks.");

    public static void Record(string participantId, int count, DateTimeOffset? oldest, TimeProvider time)
    {
        Last[participantId] = new Observation(count, oldest, time);
    }

    private static IEnumerable<Measurement<int>> ObserveCount() =>
        Last.Select(entry => new Measurement<int>(entry.Value.Count, Tag(entry.Key)));

    private static IEnumerable<Measurement<double>> ObserveOldestAge() =>
        Last.Select(entry => new Measurement<double>(
            entry.Value.Oldest is { } oldest ? Math.Max(0, (entry.Value.Time.GetUtcNow() - oldest).TotalSeconds) : 0,
            Tag(entry.Key)));

    private static KeyValuePair<string, object?> Tag(string participantId) => new(ParticipantsDiagnostics.Tags.ParticipantId, participantId);
}
