using System.Text.Json;
using DotNext.IO.Log;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Tests.Infrastructure;
using static TxCoordinator.Coordinator.Tests.Infrastructure.CoordinatorDatabase;

namespace TxCoordinator.Coordinator.Tests.Cluster;

/// <summary>
/// The applier over a real write-ahead log and database: a replica holds changes and writes them later, newest per
/// transaction, answering for them from memory meanwhile; nothing it held is lost by a crash or a snapshot.
/// </summary>
public sealed class ReplicatedStateMachineTests() : DatabaseTests("txc_applier_test")
{
    private static readonly TimeSpan History = TimeSpan.FromMinutes(1);

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("txc-applier-test-");
    // The images' creation time (CoordinatorDatabase.Image) is within the snapshot history of this clock.
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 30, TimeSpan.Zero));
    private bool _writeBehind = true;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    [Fact]
    public async Task Replica_HoldsChangesUntilFlushed_ThenWritesTheNewestOfEachTransaction()
    {
        await using var replica = await OpenAsync();
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        await replica.AppendAsync(Image(a, 1, TransactionState.Active, null));
        await replica.AppendAsync(Image(a, 2, TransactionState.Preparing, null), Image(b, 1, TransactionState.Active, null));
        var last = await replica.AppendAsync(Image(a, 3, TransactionState.Committing, Vote.Yes));

        Assert.Null(await Database.FindAsync(a));
        Assert.Equal(2, replica.Machine.HeldCount);
        Assert.True(replica.Machine.WrittenIndex(last) < last);

        await replica.Machine.FlushAsync(Ct);

        Assert.Equal((TransactionState.Committing, 3L), Summary(await Database.FindAsync(a)));
        Assert.Equal((TransactionState.Active, 1L), Summary(await Database.FindAsync(b)));
        Assert.Equal(0, replica.Machine.HeldCount);
        Assert.Equal(last, replica.Machine.WrittenIndex(last));
    }

    [Fact]
    public async Task Replica_HoldsAnOlderImageAfterANewerOne_KeepsTheNewer()
    {
        await using var replica = await OpenAsync();
        var id = Guid.NewGuid();
        await replica.AppendAsync(Image(id, 2, TransactionState.Aborting, Vote.No));
        await replica.AppendAsync(Image(id, 1, TransactionState.Active, null), Image(id, 2, TransactionState.Committing, Vote.Yes));

        await replica.Machine.FlushAsync(Ct);

        Assert.Equal((TransactionState.Aborting, 2L), Summary(await Database.FindAsync(id)));
    }

    [Fact]
    public async Task Unwritten_ChangesHeld_AreReadFromMemoryUntilTheirRowsAreWritten()
    {
        await using var replica = await OpenAsync();
        var (finished, other) = (Guid.NewGuid(), Guid.NewGuid());
        await replica.AppendAsync(Image(finished, 1, TransactionState.Active, null), Image(other, 1, TransactionState.Active, null));
        await replica.AppendAsync(Image(finished, 2, TransactionState.Committed, Vote.Yes));

        Assert.Equal((TransactionState.Committed, 2L), (replica.Machine.Unwritten(finished)?.State, replica.Machine.Unwritten(finished)?.Revision));
        Assert.Equal(new[] { finished, other }.Order(), replica.Machine.Unwritten().Select(i => i.Id).Order());
        Assert.Null(await Database.FindAsync(finished));

        await replica.Machine.FlushAsync(Ct);

        Assert.Null(replica.Machine.Unwritten(finished));
        Assert.Empty(replica.Machine.Unwritten());
        Assert.Equal((TransactionState.Committed, 2L), Summary(await Database.FindAsync(finished)));
    }

    [Fact]
    public async Task WithoutWriteBehind_WritesEachEntryAsItIsApplied()
    {
        _writeBehind = false;
        await using var replica = await OpenAsync();
        var id = Guid.NewGuid();

        var last = await replica.AppendAsync(Image(id, 1, TransactionState.Active, null));

        Assert.Equal((TransactionState.Active, 1L), Summary(await Database.FindAsync(id)));
        Assert.Null(replica.Machine.Unwritten(id));
        Assert.Equal(last, replica.Machine.WrittenIndex(last));
    }

    [Fact]
    public async Task Crash_WithChangesHeld_TheNextStartReplaysThemFromTheLog()
    {
        var id = Guid.NewGuid();
        await using (var replica = await OpenAsync())
        {
            await replica.AppendAsync(Image(id, 1, TransactionState.Active, null));
            await replica.AppendAsync(Image(id, 2, TransactionState.Preparing, Vote.Yes));
        }

        Assert.Null(await Database.FindAsync(id));

        _writeBehind = false;
        await using var restarted = await OpenAsync();

        Assert.Equal((TransactionState.Preparing, 2L), Summary(await Database.FindAsync(id)));
    }

    [Fact]
    public async Task Snapshot_HoldsWhatIsHeldForTheDatabase()
    {
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        await using (var replica = await OpenAsync(snapshotEvery: 2))
        {
            await replica.AppendAsync(Image(first, 1, TransactionState.Active, null));
            await replica.AppendAsync(Image(first, 2, TransactionState.Preparing, Vote.Yes)); // snapshot at entry 2
            await replica.AppendAsync(Image(second, 1, TransactionState.Active, null)); // after the snapshot
            await replica.Machine.Snapshotting.WaitAsync(Ct);
            Assert.NotEmpty(_folder.GetDirectories("snapshots").Single().GetFiles());
        }

        // Only the snapshot can bring the first transaction back: the log replays the entries after it.
        await WipeAsync();
        _writeBehind = false;
        await using var restarted = await OpenAsync(snapshotEvery: 2);

        Assert.Equal((TransactionState.Preparing, 2L), Summary(await Database.FindAsync(first)));
        Assert.Equal((TransactionState.Active, 1L), Summary(await Database.FindAsync(second)));
    }

    [Fact]
    public async Task Snapshot_LargerThanOneChunk_HoldsEveryTransactionOnce()
    {
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        var last = Guid.NewGuid();
        await using (var replica = await OpenAsync(snapshotEvery: 5, snapshotChunk: 2))
        {
            foreach (var id in ids)
            {
                await replica.AppendAsync(Image(id, 1, TransactionState.Active, null)); // snapshot at the fifth entry
            }

            await replica.AppendAsync(Image(last, 1, TransactionState.Active, null)); // after the snapshot (disposing the replica waits for it)
        }

        var snapshot = _folder.GetDirectories("snapshots").Single().GetFiles().Single();
        var lines = SnapshotLines(snapshot).Where(l => l.Length > 0).ToList();
        var written = lines.SelectMany(l => JsonSerializer.Deserialize<List<TransactionImage>>(l, TransactionImage.Json)!).Select(i => i.Id).ToList();
        Assert.Equal(3, lines.Count); // 2 + 2 + 1
        Assert.Equal(ids.Order(), written.Order());

        await WipeAsync();
        _writeBehind = false;
        await using var restarted = await OpenAsync(snapshotEvery: 5, snapshotChunk: 2);
        foreach (var id in ids.Append(last))
        {
            Assert.Equal((TransactionState.Active, 1L), Summary(await Database.FindAsync(id)));
        }
    }

    [Fact]
    public async Task Snapshot_IsCompressed_AndOneWrittenBeforeCompressionStillRestores()
    {
        var ids = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();
        await using (var replica = await OpenAsync(snapshotEvery: 20))
        {
            foreach (var id in ids)
            {
                await replica.AppendAsync(Image(id, 1, TransactionState.Active, null)); // snapshot at the twentieth entry
            }
        }

        var folder = _folder.GetDirectories("snapshots").Single();
        var snapshot = folder.GetFiles().Single();
        var bytes = await File.ReadAllBytesAsync(snapshot.FullName, Ct);
        var json = string.Join('\n', SnapshotLines(snapshot));
        Assert.Equal(new byte[] { 0x1f, 0x8b }, bytes[..2]);
        Assert.True(bytes.Length * 3 < System.Text.Encoding.UTF8.GetByteCount(json), $"{bytes.Length} bytes compressed for {json.Length} of JSON");

        // As versions before compression wrote it: the same lines, plain.
        await File.WriteAllTextAsync(snapshot.FullName, json, Ct);
        await WipeAsync();
        _writeBehind = false;
        await using var restarted = await OpenAsync(snapshotEvery: 20);
        foreach (var id in ids)
        {
            Assert.Equal((TransactionState.Active, 1L), Summary(await Database.FindAsync(id)));
        }
    }

    [Fact]
    public async Task Snapshot_HoldsUnfinishedAndRecentTransactions_NotOlderFinishedOnes()
    {
        var old = Image(Guid.NewGuid(), 1, TransactionState.Active, null);
        old = old with { CreatedAt = old.CreatedAt - TimeSpan.FromHours(1) };
        var (oldFinished, oldUnfinished) = (old with { Id = Guid.NewGuid(), State = TransactionState.Committed }, old with { Id = Guid.NewGuid() });
        var (recentFinished, recentUnfinished) = (Image(Guid.NewGuid(), 1, TransactionState.Aborted, null), Image(Guid.NewGuid(), 1, TransactionState.Preparing, null));
        _writeBehind = false;
        await using (var replica = await OpenAsync(snapshotEvery: 2, snapshotChunk: 1))
        {
            await replica.AppendAsync(oldFinished, oldUnfinished);
            await replica.AppendAsync(recentFinished, recentUnfinished); // snapshot at entry 2
            await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null)); // after the snapshot (disposing the replica waits for it)
        }

        var snapshot = _folder.GetDirectories("snapshots").Single().GetFiles().Single();
        var written = SnapshotLines(snapshot).Where(l => l.Length > 0)
            .SelectMany(l => JsonSerializer.Deserialize<List<TransactionImage>>(l, TransactionImage.Json)!).Select(i => i.Id).ToList();
        Assert.Equal(new[] { oldUnfinished.Id, recentFinished.Id, recentUnfinished.Id }.Order(), written.Order());
    }

    [Fact]
    public async Task EntryAppendedByThisReplica_AppliesTheImagesItWasMadeFrom()
    {
        var applied = new AppliedTransactions();
        await using var replica = await OpenAsync(applied: applied);
        var (own, received) = (Image(Guid.NewGuid(), 1, TransactionState.Active, null), Image(Guid.NewGuid(), 1, TransactionState.Active, null));

        await replica.AppendAsync([own], withContext: true);
        await replica.AppendAsync([received], withContext: false);

        Assert.Same(own, applied.Latest(own.Id));
        Assert.NotSame(received, applied.Latest(received.Id));
        Assert.True(TransactionImage.SameContent(received, applied.Latest(received.Id)!));
    }

    [Fact]
    public async Task DeposedLeadersEntryOverwrittenByTheNewLeader_AppliesTheNewEntryNotItsOwnImages()
    {
        var applied = new AppliedTransactions();
        await using var replica = await OpenAsync(applied: applied);
        var id = Guid.NewGuid();
        var (discarded, committed) = (Image(id, 2, TransactionState.Aborting, Vote.No), Image(id, 2, TransactionState.Committing, Vote.Yes));

        // As leader of term 1 it appends an entry that no majority stores; the leader of term 2 replaces it.
        var index = await replica.Log.AppendAsync(Entry([discarded], term: 1, withContext: true), Ct);
        await replica.Log.AppendAsync(Entry([committed], term: 2, withContext: false), index, Ct);
        await replica.Log.CommitAsync(index, Ct);
        await replica.Log.WaitForApplyAsync(index, Ct);

        Assert.Equal(TransactionState.Committing, applied.Latest(id)?.State);
    }

    [Fact]
    public async Task Restart_FromASnapshot_HoldsItsUnfinishedTransactionsInMemory_SoTheNextSnapshotKeepsThem()
    {
        var (unfinished, finished, later) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        _writeBehind = false;
        await using (var replica = await OpenAsync(snapshotEvery: 2))
        {
            await replica.AppendAsync(Image(unfinished, 1, TransactionState.Committing, Vote.Yes), Image(finished, 1, TransactionState.Active, null));
            await replica.AppendAsync(Image(finished, 2, TransactionState.Aborted, Vote.No)); // snapshot at entry 2
            await replica.AppendAsync(Image(later, 1, TransactionState.Active, null)); // after the snapshot (disposing the replica waits for it)
        }

        // Restarted, it holds the snapshot's transactions in memory: an unfinished one as such, a finished one as final.
        var applied = new AppliedTransactions();
        await using (var restarted = await OpenAsync(snapshotEvery: 2, applied: applied))
        {
            Assert.Equal((TransactionState.Committing, 1L), (applied.Latest(unfinished)?.State, applied.Latest(unfinished)?.Revision));
            Assert.Equal(new AppliedTransactions.FinalState(2, TransactionState.Aborted), applied.Final(finished));
            await restarted.AppendAsync(Image(later, 2, TransactionState.Preparing, null)); // snapshot at entry 4
            await restarted.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null)); // after the snapshot
        }

        // The second snapshot, taken from memory, still holds what only the first one had: a wiped database gets all back.
        await WipeAsync();
        await using var rebuilt = await OpenAsync(snapshotEvery: 2);
        Assert.Equal((TransactionState.Committing, 1L), Summary(await Database.FindAsync(unfinished)));
        Assert.Equal((TransactionState.Aborted, 2L), Summary(await Database.FindAsync(finished)));
        Assert.Equal((TransactionState.Preparing, 2L), Summary(await Database.FindAsync(later)));
    }

    [Fact]
    public async Task Snapshot_HoldsTheNewestImageOfEachFinishedTransaction_AndNeedsNoDatabase()
    {
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        await using (var replica = await OpenAsync(snapshotEvery: 3))
        {
            await replica.AppendAsync(Image(a, 1, TransactionState.Active, null), Image(b, 1, TransactionState.Active, null));
            await replica.AppendAsync(Image(a, 2, TransactionState.Committed, Vote.Yes), Image(a, 2, TransactionState.Aborted, Vote.No));

            // A snapshot read from the database would wait for this lock (and the applier with it); one from memory does not.
            await using var connection = await Database.DataSource.OpenConnectionAsync(Ct);
            await using var locking = await connection.BeginTransactionAsync(Ct);
            await using (var command = new NpgsqlCommand("LOCK TABLE transactions IN ACCESS EXCLUSIVE MODE", connection, locking))
            {
                await command.ExecuteNonQueryAsync(Ct);
            }

            var timeout = TimeSpan.FromSeconds(10);
            await replica.AppendAsync(Image(b, 2, TransactionState.Aborted, Vote.No), Image(b, 1, TransactionState.Aborted, Vote.No))
                .WaitAsync(timeout, Ct); // snapshot at entry 3
            await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null)).WaitAsync(timeout, Ct); // after the snapshot
            await locking.RollbackAsync(Ct);
        }

        var snapshot = _folder.GetDirectories("snapshots").Single().GetFiles().Single();
        var written = SnapshotLines(snapshot).Where(l => l.Length > 0)
            .SelectMany(l => JsonSerializer.Deserialize<List<TransactionImage>>(l, TransactionImage.Json)!).ToList();
        Assert.Equal(
            new[] { (a, TransactionState.Committed, 2L), (b, TransactionState.Aborted, 2L) }.OrderBy(x => x.Item1),
            written.Select(i => (i.Id, i.State, i.Revision)).OrderBy(x => x.Item1));
    }

    [Fact]
    public async Task Snapshot_IsWrittenBesideTheApplier_AndHoldsTheStateAtItsEntry()
    {
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var replica = await OpenAsync(snapshotEvery: 2, beforeSnapshotWrite: () => gate.Task);
        var timeout = TimeSpan.FromSeconds(10);
        try
        {
            await replica.AppendAsync(Image(a, 1, TransactionState.Active, null));
            await replica.AppendAsync(Image(a, 2, TransactionState.Preparing, Vote.Yes)); // snapshot at entry 2, held at the gate

            // Entries after it are applied while it is still being written (DotNext's SimpleStateMachine waited for it).
            await replica.AppendAsync(Image(a, 3, TransactionState.Committing, Vote.Yes), Image(b, 1, TransactionState.Active, null))
                .WaitAsync(timeout, Ct);
            Assert.False(replica.Machine.Snapshotting.IsCompleted);
            Assert.Empty(_folder.GetDirectories("snapshots").Single().GetFiles());
        }
        finally
        {
            // Else a failure above would leave the replica's disposal waiting for the snapshot for ever.
            gate.TrySetResult();
        }

        await replica.Machine.Snapshotting.WaitAsync(timeout, Ct);
        var snapshot = _folder.GetDirectories("snapshots").Single().GetFiles().Single();
        Assert.Equal("2-1", snapshot.Name);
        var written = SnapshotLines(snapshot).Where(l => l.Length > 0)
            .SelectMany(l => JsonSerializer.Deserialize<List<TransactionImage>>(l, TransactionImage.Json)!).ToList();
        Assert.Equal([(a, TransactionState.Preparing, 2L)], written.Select(i => (i.Id, i.State, i.Revision)));
    }

    [Fact]
    public async Task SnapshotRequested_IsTakenAtTheNextEntry_UnlessANewerOneIsOutOrOneWasJustTaken()
    {
        await using var replica = await OpenAsync(snapshotEvery: 1_000);
        var timeout = TimeSpan.FromSeconds(10);
        ISnapshotManager snapshots = replica.Machine;
        for (var i = 0; i < 3; i++)
        {
            await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null));
        }

        Assert.Null(snapshots.Snapshot);

        // As the leader asks when it sends a follower the snapshot at entry 2 again.
        replica.Machine.RequestSnapshotNewerThan(2);
        await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null));
        await replica.Machine.Snapshotting.WaitAsync(timeout, Ct);
        Assert.Equal(4, snapshots.Snapshot?.Index);

        // A request the snapshot out already answers (a send of the old one still in flight) takes none.
        replica.Machine.RequestSnapshotNewerThan(2);
        await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null));
        await replica.Machine.Snapshotting.WaitAsync(timeout, Ct);
        Assert.Equal(4, snapshots.Snapshot?.Index);

        // Asked again within the interval, it waits: a follower failing every install does not have the leader
        // taking snapshots back to back.
        replica.Machine.RequestSnapshotNewerThan(4);
        await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null));
        await replica.Machine.Snapshotting.WaitAsync(timeout, Ct);
        Assert.Equal(4, snapshots.Snapshot?.Index);

        _time.Advance(BackgroundSnapshotStateMachine.RequestedSnapshotInterval);
        replica.Machine.RequestSnapshotNewerThan(4);
        await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null));
        await replica.Machine.Snapshotting.WaitAsync(timeout, Ct);
        Assert.Equal(7, snapshots.Snapshot?.Index);

        // One snapshot per request: the entry after it takes none.
        await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null));
        await replica.Machine.Snapshotting.WaitAsync(timeout, Ct);
        Assert.Equal(7, snapshots.Snapshot?.Index);
    }

    [Fact]
    public async Task Stop_WhileASnapshotIsWritten_FinishesItFirst()
    {
        await using (var replica = await OpenAsync(snapshotEvery: 2, beforeSnapshotWrite: () => Task.Delay(TimeSpan.FromMilliseconds(300), Ct)))
        {
            await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null));
            await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null)); // snapshot at entry 2
            Assert.False(replica.Machine.Snapshotting.IsCompleted);
        }

        Assert.Equal("2-1", _folder.GetDirectories("snapshots").Single().GetFiles().Single().Name);
    }

    [Fact]
    public async Task SnapshotThatCannotBeWritten_LeavesTheApplierRunning_AndTheNextOneIsWritten()
    {
        var attempts = 0;
        await using var replica = await OpenAsync(snapshotEvery: 2, beforeSnapshotWrite: () =>
            Interlocked.Increment(ref attempts) == 1 ? throw new IOException("disk full") : Task.CompletedTask);
        await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null));
        await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null)); // snapshot at entry 2 fails
        await replica.Machine.Snapshotting.WaitAsync(Ct);
        Assert.Empty(_folder.GetDirectories("snapshots").Single().GetFiles());

        await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null));
        await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null)); // snapshot at entry 4
        await replica.Machine.Snapshotting.WaitAsync(Ct);
        Assert.Equal("4-1", _folder.GetDirectories("snapshots").Single().GetFiles().Single().Name);
    }

    [Fact]
    public async Task LeadersSnapshotInstalled_ForgetsWhatItHeldUnfinishedThatTheSnapshotLacks()
    {
        var applied = new AppliedTransactions();
        var (finishedMeanwhile, stillOpen, recent) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var gaps = new HistoryGaps();
        var begunEarlier = Image(finishedMeanwhile, 1, TransactionState.Committing, Vote.Yes);
        begunEarlier = begunEarlier with { CreatedAt = begunEarlier.CreatedAt.AddHours(-1) };
        _writeBehind = false;
        await using (var replica = await OpenAsync(applied: applied, gaps: gaps))
        {
            await replica.AppendAsync(begunEarlier, Image(stillOpen, 1, TransactionState.Active, null));

            // Behind the leader past its last snapshot: the leader sends the snapshot. It holds every transaction
            // unfinished at its index, and the finished ones of its history; the first one finished long enough ago.
            var snapshot = LeaderSnapshot(Image(stillOpen, 2, TransactionState.Preparing, null), Image(recent, 2, TransactionState.Aborted, Vote.No));
            await replica.Log.AppendAsync(new SnapshotEntry(snapshot, Term: 1), startIndex: 10, Ct);
            // Written into the database behind the install, as entries are.
            await replica.Machine.FlushAsync(Ct);

            Assert.Null(applied.Latest(finishedMeanwhile));
            Assert.Null(await Database.FindAsync(finishedMeanwhile));
            Assert.Equal((TransactionState.Preparing, 2L), (applied.Latest(stillOpen)?.State, applied.Latest(stillOpen)?.Revision));
            Assert.Equal((TransactionState.Preparing, 2L), Summary(await Database.FindAsync(stillOpen)));
            Assert.Equal((TransactionState.Aborted, 2L), Summary(await Database.FindAsync(recent)));

            // Its history may lack what finished while it was behind, from its oldest unfinished transaction on: the
            // backfill fetches that from a peer.
            Assert.Equal(begunEarlier.CreatedAt, await gaps.TakeAsync(Ct).WaitAsync(TimeSpan.FromSeconds(5), Ct));
        }

        // Its own snapshot restored at the next start forgets nothing: the log after it is replayed over it.
        var restartedCopy = new AppliedTransactions();
        await using var restarted = await OpenAsync(applied: restartedCopy);
        Assert.Equal(TransactionState.Preparing, restartedCopy.Latest(stillOpen)?.State);
    }

    [Fact]
    public async Task LeadersSnapshot_IsInstalledWithoutWaitingForTheDatabase_AndTheEntriesAfterItWaitForIt()
    {
        _writeBehind = false;
        var applied = new AppliedTransactions();
        await using var replica = await OpenAsync(applied: applied);
        var (inSnapshot, after) = (Guid.NewGuid(), Guid.NewGuid());
        // Another session holds the table against writes (reads go on): the database is slow, as in a process just started.
        await using var blocking = await WriteBlock.TakeAsync(Database.DataSource);

        // The leader's InstallSnapshot request ends once the snapshot is on disk: it gives up after an election timeout.
        var snapshot = LeaderSnapshot(Image(inSnapshot, 3, TransactionState.Committed, Vote.Yes));
        await replica.Log.AppendAsync(new SnapshotEntry(snapshot, Term: 1), startIndex: 10, Ct)
            .AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.True(replica.Machine.WrittenIndex(10) < 10, "the database does not show the snapshot yet, and the replica does not claim it does");

        // The entry after it is appended and committed, and applied only once the snapshot is in the database.
        var next = replica.AppendAsync(Image(after, 1, TransactionState.Active, null));
        await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);
        Assert.False(next.IsCompleted);
        Assert.Null(await Database.FindAsync(inSnapshot));

        await blocking.ReleaseAsync();
        var nextIndex = await next.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(11, nextIndex);
        Assert.Equal((TransactionState.Committed, 3L), Summary(await Database.FindAsync(inSnapshot)));
        Assert.Equal((TransactionState.Active, 1L), Summary(await Database.FindAsync(after)));
        Assert.Equal(TransactionState.Committed, applied.Final(inSnapshot)?.State);
        Assert.Equal(nextIndex, replica.Machine.WrittenIndex(nextIndex));
    }

    [Fact]
    public async Task LeadersSnapshot_IsInstalledWithoutWaitingForAFlushInProgress_AndIsWrittenAfterIt()
    {
        var applied = new AppliedTransactions();
        await using var replica = await OpenAsync(applied: applied);
        var (held, inSnapshot, after) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await replica.AppendAsync(Image(held, 1, TransactionState.Active, null));
        // A flush of the held image takes the write lock and waits for a table another session holds against writes.
        await using var blocking = await WriteBlock.TakeAsync(Database.DataSource);

        var flush = replica.Machine.FlushAsync(Ct);
        await Task.Delay(TimeSpan.FromMilliseconds(300), Ct);
        Assert.False(flush.IsCompleted, "the flush is waiting for the table, holding the write lock");

        // Inside the leader's request the install only queues for the lock: the request ends while the flush still runs.
        var snapshot = LeaderSnapshot(Image(held, 2, TransactionState.Committed, Vote.Yes), Image(inSnapshot, 3, TransactionState.Committed, Vote.Yes));
        await replica.Log.AppendAsync(new SnapshotEntry(snapshot, Term: 1), startIndex: 10, Ct)
            .AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.False(flush.IsCompleted);
        Assert.True(replica.Machine.WrittenIndex(10) < 10, "the database does not show the snapshot yet, and the replica does not claim it does");
        var next = replica.AppendAsync(Image(after, 1, TransactionState.Active, null));
        await Task.Delay(TimeSpan.FromMilliseconds(300), Ct);
        Assert.False(next.IsCompleted, "the entry after the snapshot waits for the flush and the install");

        await blocking.ReleaseAsync();
        await flush.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var nextIndex = await next.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        // Written in the order they came: the held image, then the snapshot over it, then the entry after the snapshot.
        Assert.Equal(11, nextIndex);
        Assert.Equal((TransactionState.Committed, 2L), Summary(await Database.FindAsync(held)));
        Assert.Equal((TransactionState.Committed, 3L), Summary(await Database.FindAsync(inSnapshot)));
        await replica.Machine.FlushAsync(Ct);
        Assert.Equal((TransactionState.Active, 1L), Summary(await Database.FindAsync(after)));
        Assert.Equal(nextIndex, replica.Machine.WrittenIndex(nextIndex));
    }

    [Fact]
    public async Task LeadersSnapshotsInstalledBackToBack_BehindAFlush_AreAllWritten_TheirFilesKeptUntilThen()
    {
        await using var replica = await OpenAsync();
        var (first, second, after) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null));
        await using var blocking = await WriteBlock.TakeAsync(Database.DataSource);

        var flush = replica.Machine.FlushAsync(Ct);
        // Two of the leader's snapshots are installed while the first still waits for the database write lock, and
        // DotNext lets go of the snapshots older than the newest, as it does after an install.
        foreach (var (id, index) in new[] { (first, 10L), (second, 20L) })
        {
            var snapshot = LeaderSnapshot(Image(id, 3, TransactionState.Committed, Vote.Yes));
            await replica.Log.AppendAsync(new SnapshotEntry(snapshot, Term: 1), startIndex: index, Ct)
                .AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);
        }

        var snapshots = _folder.GetDirectories("snapshots").Single();
        await ((ISnapshotManager)replica.Machine).ReclaimGarbageAsync(20, Ct);
        Assert.Contains("10-1", snapshots.GetFiles().Select(file => file.Name));
        Assert.False(flush.IsCompleted);

        await blocking.ReleaseAsync();
        await flush.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var nextIndex = await replica.AppendAsync(Image(after, 1, TransactionState.Active, null)).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(21, nextIndex);
        Assert.Equal((TransactionState.Committed, 3L), Summary(await Database.FindAsync(first)));
        Assert.Equal((TransactionState.Committed, 3L), Summary(await Database.FindAsync(second)));
        await ((ISnapshotManager)replica.Machine).ReclaimGarbageAsync(20, Ct);
        Assert.Equal(["20-1"], snapshots.GetFiles().Select(file => file.Name));
    }

    [Fact]
    public async Task LeadersSnapshotCutOffInTransfer_IsRefused_AndTheLogStaysHealthy()
    {
        _writeBehind = false;
        var applied = new AppliedTransactions();
        await using var replica = await OpenAsync(applied: applied);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var watching = WriteAheadLogFailure.WaitAsync(replica.Log, timeout.Token);
        var (inSnapshot, after) = (Guid.NewGuid(), Guid.NewGuid());
        var whole = LeaderSnapshot(Image(inSnapshot, 3, TransactionState.Committed, Vote.Yes));

        // As DotNext hands over a snapshot whose leader closed the connection half-way: its length as the leader
        // announced it, fewer bytes, and no error.
        var cutOff = new SnapshotEntry(whole[..(whole.Length / 2)], Term: 1) { AnnouncedLength = whole.Length };
        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => replica.Log.AppendAsync(cutOff, startIndex: 10, Ct).AsTask());

        Assert.Contains($"arrived with {whole.Length / 2} of its {whole.Length} bytes", refused.Message, StringComparison.Ordinal);
        Assert.Empty(_folder.GetDirectories("snapshots").Single().GetFiles());
        // A refused install does not hold up the log's next read of the snapshot (DotNext's flusher).
        Assert.Null(await Task.Run(() => ((ISnapshotManager)replica.Machine).Snapshot, Ct).WaitAsync(TimeSpan.FromSeconds(2), Ct));
        await Task.Delay(TimeSpan.FromMilliseconds(300), Ct);
        Assert.False(watching.IsCompleted, "a refused snapshot must not fail the log");

        // The leader sends it again, whole: it is installed, and the log goes on after it.
        await replica.Log.AppendAsync(new SnapshotEntry(whole, Term: 1), startIndex: 10, Ct);
        var next = await replica.AppendAsync(Image(after, 1, TransactionState.Active, null)).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(11, next);
        Assert.Equal((TransactionState.Committed, 3L), Summary(await Database.FindAsync(inSnapshot)));
        Assert.Equal((TransactionState.Active, 1L), Summary(await Database.FindAsync(after)));
        Assert.Equal(TransactionState.Committed, applied.Final(inSnapshot)?.State);
        Assert.False(watching.IsCompleted);
    }

    [Fact]
    public async Task SnapshotReadDuringAnInstall_WaitsForIt_AndGetsTheInstalledSnapshot()
    {
        _writeBehind = false;
        await using var replica = await OpenAsync();
        await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Committed, Vote.Yes));
        var whole = LeaderSnapshot(Image(Guid.NewGuid(), 3, TransactionState.Committed, Vote.Yes));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var transfer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The leader's snapshot at entry 10 arrives slowly; DotNext holds the log's lock meanwhile.
        var installing = replica.Log.AppendAsync(new SnapshotEntry(whole, Term: 1) { Started = started, Gate = transfer.Task }, startIndex: 10, Ct).AsTask();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        // As DotNext's flusher reads it, before it takes that lock: the index before the install would make it flush
        // entries 2-10, which this log never had.
        var reading = Task.Run(() => ((ISnapshotManager)replica.Machine).Snapshot, Ct);
        await Task.Delay(TimeSpan.FromMilliseconds(300), Ct);
        Assert.False(reading.IsCompleted, "a read of the snapshot during an install must wait for the install");

        transfer.SetResult();
        await installing.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(10, (await reading.WaitAsync(TimeSpan.FromSeconds(10), Ct))?.Index);
    }

    [Fact]
    public async Task SnapshotReadWhileTheInstallWaitsForTheLogsLock_WaitsForTheInstall()
    {
        _writeBehind = false;
        await using var replica = await OpenAsync(bounded: true);
        IAuditTrail<IRaftLogEntry> log = replica.Log;
        ISnapshotManager snapshots = replica.Machine;
        await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Committed, Vote.Yes));
        var whole = LeaderSnapshot(Image(Guid.NewGuid(), 3, TransactionState.Committed, Vote.Yes));
        // A reader holds the log's lock, as DotNext's flusher does while it flushes: the install waits for it.
        var reader = new HoldingReader();
        var holding = log.ReadAsync(reader, 1, 1, Ct).AsTask();
        await reader.Holding.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        // An install given up while it waits (cancelled) leaves reads of the snapshot free.
        using (var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            var givenUp = log.AppendAsync(new SnapshotEntry(whole, Term: 1), 10, cancel.Token).AsTask();
            await Task.Delay(TimeSpan.FromMilliseconds(100), Ct);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => givenUp.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        }

        Assert.Null(await Task.Run(() => snapshots.Snapshot, Ct).WaitAsync(TimeSpan.FromSeconds(5), Ct));

        // The flusher, looping meanwhile, reads the snapshot before it asks for the lock: the index before the install
        // would have it flush, after the install, entries this log never had. It waits from the moment the log has it.
        var installing = log.AppendAsync(new SnapshotEntry(whole, Term: 1), 10, Ct).AsTask();
        await Task.Delay(TimeSpan.FromMilliseconds(100), Ct);
        var reading = Task.Run(() => snapshots.Snapshot, Ct);
        await Task.Delay(TimeSpan.FromMilliseconds(300), Ct);
        Assert.False(installing.IsCompleted, "the install waits for the reader");
        Assert.False(reading.IsCompleted, "a read of the snapshot while the install waits for the lock must wait for the install");

        reader.Release.SetResult();
        await holding.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await installing.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(10, (await reading.WaitAsync(TimeSpan.FromSeconds(10), Ct))?.Index);
    }

    [Fact]
    public async Task EntryThatCannotBeApplied_FailsTheLog_AndTheWatchReportsWhy()
    {
        _writeBehind = false;
        await using var replica = await OpenAsync();
        await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var watching = WriteAheadLogFailure.WaitAsync(replica.Log, timeout.Token);
        Assert.False(watching.IsCompleted);

        // Not JSON: the applier cannot read it, and an exception out of the applier stops the log for good.
        var index = await replica.Log.AppendAsync(new BinaryLogEntry { Content = "not json"u8.ToArray(), Term = 1 }, Ct);
        await replica.Log.CommitAsync(index, Ct);

        Assert.IsAssignableFrom<JsonException>(await watching);
        // Asked after the failure, it answers at once, with the same cause.
        Assert.IsAssignableFrom<JsonException>(await WriteAheadLogFailure.WaitAsync(replica.Log, timeout.Token));
    }

    [Fact]
    public async Task WatchOfAHealthyLog_EndsWithoutAFailureWhenStopped()
    {
        await using var replica = await OpenAsync();
        await replica.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, null));
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var watching = WriteAheadLogFailure.WaitAsync(replica.Log, stopping.Token);
        await Task.Delay(200, Ct);
        Assert.False(watching.IsCompleted);

        await stopping.CancelAsync();

        Assert.Null(await watching);
    }

    /// <summary>The JSON lines of a snapshot file, as restoring reads them (decompressed).</summary>
    private static string[] SnapshotLines(FileInfo snapshot)
    {
        using var reader = new StreamReader(SnapshotContent.OpenRead(snapshot.FullName));
        return reader.ReadToEnd().Split('\n');
    }

    private static (TransactionState, long)? Summary((TransactionState State, long Revision, List<Vote?> Votes)? stored) =>
        stored is { } found ? (found.State, found.Revision) : null;

    private async Task WipeAsync()
    {
        await using var db = Database.NewContext();
        await db.Database.ExecuteSqlRawAsync("DELETE FROM participants; DELETE FROM transactions;", Ct);
    }

    private async Task<Replica> OpenAsync(
        int snapshotEvery = 1_000, AppliedTransactions? applied = null, int snapshotChunk = 1_000, Func<Task>? beforeSnapshotWrite = null,
        HistoryGaps? gaps = null, bool bounded = false)
    {
        var machine = new ReplicatedStateMachine(
            _folder.CreateSubdirectory("snapshots"), new TransactionImageWriter(Database.DataSource), applied ?? new AppliedTransactions(),
            snapshotEvery, History, _writeBehind, _time, NullLogger.Instance) { SnapshotChunk = snapshotChunk, BeforeSnapshotWrite = beforeSnapshotWrite, Gaps = gaps };
        await machine.StartAsync(Ct);
        var options = new WriteAheadLog.Options { Location = Path.Combine(_folder.FullName, "wal") };
        var log = bounded ? new BoundedReplicationLog(options, machine, maxReadBytes: 512 * 1024) : new WriteAheadLog(options, machine);
        await log.InitializeAsync(Ct);
        return new Replica(machine, log);
    }

    /// <summary>An entry as the leader appends it (<paramref name="withContext"/>: the images ride along) or as a follower receives it.</summary>
    private static BinaryLogEntry Entry(List<TransactionImage> images, long term, bool withContext)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(images, TransactionImage.Json);
        return new BinaryLogEntry { Content = payload, Term = term, Context = withContext ? new AppendedImages(payload, images) : null };
    }

    /// <summary>A snapshot's content as the leader sends it: one JSON line of images.</summary>
    private static byte[] LeaderSnapshot(params TransactionImage[] images) =>
        System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(images, TransactionImage.Json) + "\n");

    /// <summary>
    /// Another session's transaction holding the transactions table against writes (reads go on), as a slow database
    /// would, until <see cref="ReleaseAsync"/>.
    /// </summary>
    private sealed class WriteBlock(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public static async Task<WriteBlock> TakeAsync(NpgsqlDataSource dataSource)
        {
            var connection = await dataSource.OpenConnectionAsync(Ct);
            var transaction = await connection.BeginTransactionAsync(Ct);
            await using (var lockTable = new NpgsqlCommand("LOCK TABLE transactions IN SHARE ROW EXCLUSIVE MODE", connection, transaction))
            {
                await lockTable.ExecuteNonQueryAsync(Ct);
            }

            return new WriteBlock(connection, transaction);
        }

        public Task ReleaseAsync() => transaction.RollbackAsync(Ct);

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    /// <summary>A snapshot as the leader sends it to a follower behind its log (DotNext's InstallSnapshot).</summary>
    private sealed record SnapshotEntry(byte[] Content, long Term) : IRaftLogEntry
    {
        /// <summary>The length the leader announced; the content's own unless the transfer was cut off.</summary>
        public long? AnnouncedLength { get; init; }

        /// <summary>Set once the follower starts reading the snapshot; the bytes follow only once <see cref="Gate"/> completes.</summary>
        public TaskCompletionSource? Started { get; init; }

        public Task? Gate { get; init; }

        public bool IsSnapshot => true;

        public long? Length => AnnouncedLength ?? Content.Length;

        public bool IsReusable => true;

        public async ValueTask WriteToAsync<TWriter>(TWriter writer, CancellationToken token)
            where TWriter : DotNext.IO.IAsyncBinaryWriter
        {
            Started?.TrySetResult();
            if (Gate is { } gate)
            {
                await gate.WaitAsync(token);
            }

            await writer.Invoke(Content, token);
        }
    }

    /// <summary>Holds the log's read lock from when it is handed its entries until <see cref="Release"/> completes.</summary>
    private sealed class HoldingReader : ILogEntryConsumer<IRaftLogEntry, int>
    {
        public TaskCompletionSource Holding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool LogEntryMetadataOnly => true;

        public async ValueTask<int> ReadAsync<TEntry, TList>(TList entries, long? snapshotIndex, CancellationToken token)
            where TEntry : IRaftLogEntry
            where TList : IReadOnlyList<TEntry>
        {
            Holding.TrySetResult();
            await Release.Task.WaitAsync(token);
            return entries.Count;
        }
    }

    private sealed record Replica(ReplicatedStateMachine Machine, WriteAheadLog Log) : IAsyncDisposable
    {
        /// <summary>Appends one entry holding <paramref name="images"/>, commits it and waits until it is applied.</summary>
        public Task<long> AppendAsync(params TransactionImage[] images) => AppendAsync([.. images], withContext: false);

        /// <summary>As the leader appends (<paramref name="withContext"/>: the images ride along) or as a follower receives.</summary>
        public async Task<long> AppendAsync(List<TransactionImage> images, bool withContext)
        {
            var index = await Log.AppendAsync(Entry(images, term: 1, withContext), Ct);
            await Log.CommitAsync(index, Ct);
            await Log.WaitForApplyAsync(index, Ct);
            return index;
        }

        public async ValueTask DisposeAsync()
        {
            await Log.DisposeAsync();
            await Machine.DisposeAsync();
        }
    }
}
