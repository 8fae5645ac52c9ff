using System.Collections;
using DotNext.IO.Log;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// DotNext's write-ahead log, except that a read hands its consumer at most <see cref="MaxReadBytes"/> of entries
/// (always at least one). The leader reads a follower's missing entries through it, from the follower's next index
/// to the end of the log, and sends them in one AppendEntries request; the follower must take them within the
/// request timeout (the lower election timeout). A follower back after a minute or two under load lacks thousands
/// of entries, megabytes, which it could not take in time: every request timed out, and resent whole, timed out
/// again, so it never caught up and, never hearing the leader, stood as a candidate (docs/reliability.md, item 15).
/// Bounded, each request succeeds and the next one carries on from where it ended; DotNext counts what a member
/// replicated by the entries it was sent, so the commit index stays right. Snapshots are read whole.
/// <para>
/// It also tells (<see cref="SnapshotRefused"/>) when a follower refuses the snapshot the leader sends. One that
/// installed it after the leader's request had timed out refuses it the second time (DotNext installs only a
/// snapshot newer than what it has committed), and DotNext's leader, taking the refusal for a log mismatch, steps
/// the follower's next index back one entry per round trip, still inside the snapshot, and sends it again, thousands
/// of times, until it has a newer snapshot (docs/reliability.md, item 15). A newer one is the way out.
/// </para>
/// </summary>
internal sealed class BoundedReplicationLog(WriteAheadLog.Options options, IStateMachine stateMachine, long maxReadBytes)
    : WriteAheadLog(options, stateMachine), IAuditTrail<IRaftLogEntry>
{
    public long MaxReadBytes { get; } = maxReadBytes > 0 ? maxReadBytes : throw new ArgumentOutOfRangeException(nameof(maxReadBytes));

    /// <summary>Called with the snapshot's index when the leader's replication reports that a follower refused it.</summary>
    public Action<long>? SnapshotRefused { get; init; }

    // The state machine is told of the leader's snapshot before this log waits for its lock to install it (see
    // BackgroundSnapshotStateMachine.AnnounceInstall).
    private readonly BackgroundSnapshotStateMachine? _installs = stateMachine as BackgroundSnapshotStateMachine;

    async ValueTask IAuditTrail<IRaftLogEntry>.AppendAsync<TEntryImpl>(TEntryImpl entry, long startIndex, CancellationToken token)
    {
        if (!entry.IsSnapshot || _installs is null)
        {
            await AppendAsync(entry, startIndex, token);
            return;
        }

        _installs.AnnounceInstall();
        try
        {
            await AppendAsync(entry, startIndex, token);
        }
        finally
        {
            _installs.WithdrawInstall();
        }
    }

    ValueTask<TResult> IAuditTrail<IRaftLogEntry>.ReadAsync<TResult>(
        ILogEntryConsumer<IRaftLogEntry, TResult> reader, long startIndex, long endIndex, CancellationToken token) =>
        ReadAsync(new BoundedConsumer<TResult>(reader, this), startIndex, endIndex, token);

    /// <summary>How many of <paramref name="entries"/>, from the first, fit in <paramref name="maxBytes"/> (at least one).</summary>
    internal static int CountWithin<TEntry, TList>(TList entries, long maxBytes)
        where TEntry : IRaftLogEntry
        where TList : IReadOnlyList<TEntry>
    {
        long bytes = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            // An entry of unknown length counts as empty: WAL entries always know theirs.
            bytes += entries[i].Length ?? 0;
            if (bytes > maxBytes)
            {
                return Math.Max(i, 1);
            }
        }

        return entries.Count;
    }

    private sealed class BoundedConsumer<TResult>(ILogEntryConsumer<IRaftLogEntry, TResult> inner, BoundedReplicationLog log)
        : ILogEntryConsumer<IRaftLogEntry, TResult>
    {
        bool ILogEntryConsumer<IRaftLogEntry, TResult>.LogEntryMetadataOnly => inner.LogEntryMetadataOnly;

        public ValueTask<TResult> ReadAsync<TEntry, TList>(TList entries, long? snapshotIndex, CancellationToken token)
            where TEntry : IRaftLogEntry
            where TList : IReadOnlyList<TEntry>
        {
            if (snapshotIndex is { } index)
            {
                // The leader's replication sends the snapshot inside this call, and returns the follower's answer.
                var sending = inner.ReadAsync<TEntry, TList>(entries, snapshotIndex, token);
                return log.SnapshotRefused is { } refused ? WatchAsync(sending, index, refused) : sending;
            }

            var count = CountWithin<TEntry, TList>(entries, log.MaxReadBytes);
            return count == entries.Count
                ? inner.ReadAsync<TEntry, TList>(entries, snapshotIndex, token)
                : inner.ReadAsync<TEntry, Prefix<TEntry, TList>>(new Prefix<TEntry, TList>(entries, count), snapshotIndex, token);
        }

        private static async ValueTask<TResult> WatchAsync(ValueTask<TResult> sending, long index, Action<long> refused)
        {
            var answer = await sending;
            if (answer is Result<ReplicationStatus> { Value.Result: HeartbeatResult.Rejected })
            {
                refused(index);
            }

            return answer;
        }
    }

    /// <summary>The first <see cref="Count"/> entries of a list.</summary>
    private readonly struct Prefix<TEntry, TList>(TList list, int count) : IReadOnlyList<TEntry>
        where TList : IReadOnlyList<TEntry>
    {
        public int Count => count;

        public TEntry this[int index] => (uint)index < (uint)count ? list[index] : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<TEntry> GetEnumerator()
        {
            for (var i = 0; i < count; i++)
            {
                yield return list[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
