using DotNext.IO.Log;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using TxCoordinator.Coordinator.Cluster;

namespace TxCoordinator.Coordinator.Tests.Cluster;

/// <summary>
/// The leader reads a follower's missing entries through <see cref="IAuditTrail{TEntry}.ReadAsync{TResult}"/> and sends
/// whatever it is handed in one request: a read must hand over no more than the bound, and still at least one entry.
/// </summary>
public sealed class BoundedReplicationLogTests : IAsyncLifetime
{
    private const int EntryBytes = 1_000;

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("txc-bounded-log-");
    private BoundedReplicationLog? _log;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_log is not null)
        {
            await _log.DisposeAsync();
        }

        _folder.Delete(recursive: true);
    }

    [Fact]
    public async Task ReadOfAFollowerFarBehind_HandsOverOnlyTheEntriesWithinTheBound_FromTheFirst()
    {
        var log = await OpenAsync(maxReadBytes: 10 * EntryBytes, entries: 100);

        var read = await ((IAuditTrail<IRaftLogEntry>)log).ReadAsync(new Recorder(), 1, 100, Ct);

        Assert.Equal(Enumerable.Range(1, 10).Select(i => (byte)i), read.FirstBytes);
        Assert.Null(read.SnapshotIndex);
    }

    [Fact]
    public async Task EntryLargerThanTheBound_IsStillHandedOver_Alone()
    {
        var log = await OpenAsync(maxReadBytes: EntryBytes / 2, entries: 5);

        var read = await ((IAuditTrail<IRaftLogEntry>)log).ReadAsync(new Recorder(), 3, 5, Ct);

        Assert.Equal([(byte)3], read.FirstBytes);
    }

    [Fact]
    public async Task ReadWithinTheBound_HandsOverEveryEntry()
    {
        var log = await OpenAsync(maxReadBytes: 64 * EntryBytes, entries: 20);

        var read = await ((IAuditTrail<IRaftLogEntry>)log).ReadAsync(new Recorder(), 1, 20, Ct);

        Assert.Equal(20, read.FirstBytes.Count);
    }

    [Fact]
    public async Task SnapshotAFollowerRefuses_IsReported_AcceptedOrFailedSendsAndEntriesAreNot()
    {
        var refused = new List<long>();
        var machine = new SettableSnapshot();
        IAuditTrail<IRaftLogEntry> log = await OpenAsync(maxReadBytes: 64 * EntryBytes, entries: 10, machine, refused.Add);
        machine.Snapshot = await SnapshotAsync(index: 5);

        // As the leader's replication sends what it is handed and returns the follower's answer.
        await log.ReadAsync(new Follower(HeartbeatResult.ReplicatedWithLeaderTerm), 1, 10, Ct);
        await log.ReadAsync(new Follower(HeartbeatResult.Rejected), 6, 10, Ct); // entries, not the snapshot
        await Assert.ThrowsAsync<TimeoutException>(() => log.ReadAsync(new Follower(null), 1, 10, Ct).AsTask());
        Assert.Empty(refused);

        await log.ReadAsync(new Follower(HeartbeatResult.Rejected), 4, 10, Ct);
        Assert.Equal([5L], refused);
    }

    [Fact]
    public void CountWithin_StopsBeforeTheEntryThatCrossesTheBound()
    {
        IRaftLogEntry[] entries = [Sized(400), Sized(400), Sized(400)];

        Assert.Equal(2, BoundedReplicationLog.CountWithin<IRaftLogEntry, IRaftLogEntry[]>(entries, 800));
        Assert.Equal(2, BoundedReplicationLog.CountWithin<IRaftLogEntry, IRaftLogEntry[]>(entries, 1_199));
        Assert.Equal(3, BoundedReplicationLog.CountWithin<IRaftLogEntry, IRaftLogEntry[]>(entries, 1_200));
        Assert.Equal(1, BoundedReplicationLog.CountWithin<IRaftLogEntry, IRaftLogEntry[]>(entries, 100));
    }

    private static IRaftLogEntry Sized(int bytes) => new BinaryLogEntry { Content = new byte[bytes], Term = 1 };

    private Task<SnapshotFile> SnapshotAsync(long index) =>
        SnapshotFile.WriteAsync(_folder.CreateSubdirectory("snapshots"), index, term: 1, (stream, token) => stream.WriteAsync(new byte[16], token).AsTask(), Ct);

    /// <summary>A log of <paramref name="entries"/> entries of <see cref="EntryBytes"/> each, the first byte of entry i being i.</summary>
    private async Task<BoundedReplicationLog> OpenAsync(
        long maxReadBytes, int entries, IStateMachine? stateMachine = null, Action<long>? snapshotRefused = null)
    {
        _log = new BoundedReplicationLog(
            new WriteAheadLog.Options { Location = Path.Combine(_folder.FullName, "wal") }, stateMachine ?? IStateMachine.CreateNoOp(1_000_000), maxReadBytes)
        {
            SnapshotRefused = snapshotRefused,
        };
        await _log.InitializeAsync(Ct);
        for (var i = 1; i <= entries; i++)
        {
            var content = new byte[EntryBytes];
            content[0] = (byte)i;
            await _log.AppendAsync(new BinaryLogEntry { Content = content, Term = 1 }, Ct);
        }

        return _log;
    }

    private sealed record Read(List<byte> FirstBytes, long? SnapshotIndex);

    /// <summary>A state machine whose snapshot the test sets; it applies nothing.</summary>
    private sealed class SettableSnapshot : IStateMachine
    {
        public ISnapshot? Snapshot { get; set; }

        public ValueTask<long> ApplyAsync(LogEntry entry, CancellationToken token) => ValueTask.FromResult(entry.Index);

        public ValueTask ReclaimGarbageAsync(long watermark, CancellationToken token) => ValueTask.CompletedTask;
    }

    /// <summary>A follower as the leader's replication sees it: it answers <paramref name="answer"/>, or times out (null).</summary>
    private sealed class Follower(HeartbeatResult? answer) : ILogEntryConsumer<IRaftLogEntry, Result<ReplicationStatus>>
    {
        public ValueTask<Result<ReplicationStatus>> ReadAsync<TEntry, TList>(TList entries, long? snapshotIndex, CancellationToken token)
            where TEntry : IRaftLogEntry
            where TList : IReadOnlyList<TEntry> =>
            answer is { } result
                ? ValueTask.FromResult(new Result<ReplicationStatus> { Term = 1, Value = new ReplicationStatus { Result = result, LastIndex = snapshotIndex ?? 0 } })
                : ValueTask.FromException<Result<ReplicationStatus>>(new TimeoutException());
    }

    /// <summary>Records what a read handed over, as the leader's replication would send it.</summary>
    private sealed class Recorder : ILogEntryConsumer<IRaftLogEntry, Read>
    {
        public async ValueTask<Read> ReadAsync<TEntry, TList>(TList entries, long? snapshotIndex, CancellationToken token)
            where TEntry : IRaftLogEntry
            where TList : IReadOnlyList<TEntry>
        {
            var first = new List<byte>();
            foreach (var entry in entries)
            {
                var bytes = await DotNext.IO.DataTransferObject.ToByteArrayAsync(entry, token: token);
                first.Add(bytes[0]);
            }

            return new Read(first, snapshotIndex);
        }
    }
}
