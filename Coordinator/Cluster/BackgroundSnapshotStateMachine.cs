using System.Diagnostics;
using System.Globalization;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using TxCoordinator.Coordinator.Diagnostics;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// A state machine for DotNext's write-ahead log that writes its snapshots beside the applier, not in its way.
/// </summary>
/// <remarks>
/// DotNext's <c>SimpleStateMachine</c> applies no entry until the last snapshot is on disk: every decision waited for
/// it, 97-371 ms at a minute of history (docs/benchmarks.md, steps 27-29). Here the applier only captures what the
/// snapshot will hold at its index (<see cref="CaptureSnapshot"/>: references to images nobody changes), and a
/// background task writes, flushes and publishes it; DotNext's <see cref="IStateMachine"/> contract allows the
/// snapshot to change while entries are applied. The log is compacted only up to a published snapshot, so a snapshot
/// still being written when the replica crashes costs nothing but the log it would have let go.
/// </remarks>
internal abstract class BackgroundSnapshotStateMachine : IStateMachine, IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Longest a read of <see cref="ISnapshotManager.Snapshot"/> waits for an installation to end.</summary>
    private static readonly TimeSpan InstallWaitLimit = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Least time between two snapshots taken on request (<see cref="RequestSnapshotNewerThan"/>): each costs the leader
    /// a snapshot's work, and a follower that times out on every one would otherwise have it take them back to back.
    /// </summary>
    internal static readonly TimeSpan RequestedSnapshotInterval = TimeSpan.FromSeconds(5);

    private readonly DirectoryInfo _location;
    private readonly CancellationTokenSource _lifetime = new();
    private SnapshotFile? _snapshot;
    // The snapshot being written. Only the applier starts one, and an installation from the leader (which DotNext
    // never runs beside the applier) waits for it.
    private Task _writing = Task.CompletedTask;
    // A snapshot fell due while the previous one was still being written: taken at the next entry after it.
    private bool _due;
    // A snapshot newer than this index is wanted (RequestSnapshotNewerThan); 0 when none is.
    private long _wantedNewerThan;
    // When the last snapshot taken on request was (TimeProvider timestamp), or 0.
    private long _lastRequested;
    private long _appliedIndex;
    private int _disposed;
    // Reset while the leader's snapshot is installed, or announced: see ISnapshotManager.Snapshot.
    private readonly ManualResetEventSlim _notInstalling = new(initialState: true);
    private int _installAnnounced;

    protected BackgroundSnapshotStateMachine(DirectoryInfo location, TimeProvider time, ILogger logger)
    {
        location.Create();
        _location = location;
        Time = time;
        Logger = logger;
    }

    protected ILogger Logger { get; }

    protected TimeProvider Time { get; }

    /// <summary>The snapshot being written, or a completed task: done once it is on disk (or failed, logged).</summary>
    public Task Snapshotting => Volatile.Read(ref _writing);

    /// <summary>Awaited before a snapshot is written; lets a test hold the write to show the applier does not wait.</summary>
    internal Func<Task>? BeforeSnapshotWrite { get; init; }

    // DotNext 6.12's flusher reads the snapshot index before it takes the log's lock. Read while the leader's snapshot
    // was being installed (under that lock), the old index made it flush, once the install had moved the log's end to
    // the snapshot's, entries this replica never had: "WAL page N doesn't exist on the disk", and the log failed for
    // good, in 7 of 20 chaos runs (docs/reliability.md, item 14). A read during an install therefore waits for it to
    // end (bounded) and gets the new index: from when the log is handed the snapshot (AnnounceInstall), since the
    // install first waits for the lock, behind the flusher's own flush, and the flusher, looping meanwhile, read the
    // old index and then queued for the lock behind the install (a CI chaos run, 2026-12-07). Nothing else reads
    // this meanwhile: the requests that read the log under its lock are serialised with the install by DotNext.
    ISnapshot? ISnapshotManager.Snapshot
    {
        get
        {
            _notInstalling.Wait(InstallWaitLimit);
            return Volatile.Read(ref _snapshot);
        }
    }

    /// <summary>
    /// Asks for a snapshot newer than entry <paramref name="index"/>, taken at the next entry applied once no snapshot
    /// is being written, unless a newer one is out by then or one was taken on request less than
    /// <see cref="RequestedSnapshotInterval"/> ago. The leader asks when a follower refuses its snapshot
    /// (<see cref="BoundedReplicationLog.SnapshotRefused"/>): one that already holds it refuses it until the leader
    /// has a newer one, which would otherwise take <c>Cluster:SnapshotEvery</c> entries.
    /// </summary>
    public void RequestSnapshotNewerThan(long index)
    {
        long wanted;
        do
        {
            wanted = Volatile.Read(ref _wantedNewerThan);
            if (wanted >= index || RequestedRecently())
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _wantedNewerThan, index, wanted) != wanted);

        LogMessages.SnapshotRequested(Logger, index);
    }

    /// <summary>The leader's snapshot has arrived and is about to be installed: reads of the snapshot wait from now.</summary>
    internal void AnnounceInstall()
    {
        Volatile.Write(ref _installAnnounced, 1);
        _notInstalling.Reset();
    }

    /// <summary>Ends an announced install that never reached this state machine (refused, or cancelled waiting for the lock).</summary>
    internal void WithdrawInstall()
    {
        if (Interlocked.Exchange(ref _installAnnounced, 0) == 1)
        {
            _notInstalling.Set();
        }
    }

    /// <summary>Whether a snapshot file older than the newest is still needed (so not deleted with the log's garbage).</summary>
    protected virtual bool InUse(FileInfo snapshotFile) => false;

    /// <summary>Applies one entry of the log; returns whether a snapshot should be taken at it.</summary>
    protected abstract ValueTask<bool> ApplyAsync(LogEntry entry, CancellationToken token);

    /// <summary>
    /// Called on the applier, between two entries: captures, quickly, what a snapshot at entry <paramref name="index"/> holds,
    /// and returns what writes it. That runs in the background while later entries are applied.
    /// </summary>
    protected abstract Func<Stream, CancellationToken, Task> CaptureSnapshot(long index);

    /// <summary>Restores the state from a snapshot: this replica's own at its start, or the leader's as it is installed.</summary>
    protected abstract ValueTask RestoreAsync(FileInfo snapshotFile, CancellationToken token);

    /// <summary>Restores this replica's newest snapshot, if any; before the log is opened.</summary>
    public ValueTask RestoreAsync(CancellationToken token)
    {
        SnapshotFile.DeletePartial(_location);
        var newest = SnapshotFile.In(_location).MaxBy(snapshot => snapshot.Index);
        if (newest is null)
        {
            return ValueTask.CompletedTask;
        }

        Volatile.Write(ref _snapshot, newest);
        _appliedIndex = newest.Index;
        return RestoreAsync(newest.File, token);
    }

    async ValueTask<long> IStateMachine.ApplyAsync(LogEntry entry, CancellationToken token)
    {
        if (_appliedIndex >= entry.Index)
        {
            return _appliedIndex;
        }

        if (entry.IsSnapshot)
        {
            return await InstallAsync(entry, token);
        }

        _due |= await ApplyAsync(entry, token);
        _appliedIndex = entry.Index;
        if ((_due || IsWanted(entry.Index)) && _writing.IsCompleted)
        {
            _due = false;
            // One snapshot per request: asked again while this one is written, it is not wanted once this one is out.
            if (Interlocked.Exchange(ref _wantedNewerThan, 0) != 0)
            {
                Volatile.Write(ref _lastRequested, Time.GetTimestamp());
            }
            var (index, term) = (entry.Index, entry.Term);
            var write = CaptureSnapshot(index);
            Volatile.Write(ref _writing, Task.Run(() => WriteAsync(write, index, term), CancellationToken.None));
        }

        return entry.Index;
    }

    private bool RequestedRecently() =>
        Volatile.Read(ref _lastRequested) is var last and not 0 && Time.GetElapsedTime(last) < RequestedSnapshotInterval;

    private bool IsWanted(long index)
    {
        var wanted = Volatile.Read(ref _wantedNewerThan);
        return wanted > 0 && index > wanted && (Volatile.Read(ref _snapshot)?.Index ?? 0) <= wanted;
    }

    ValueTask ISnapshotManager.ReclaimGarbageAsync(long watermark, CancellationToken token)
    {
        foreach (var old in SnapshotFile.In(_location).Where(snapshot => snapshot.Index < watermark && !InUse(snapshot.File)))
        {
            token.ThrowIfCancellationRequested();
            old.File.Delete();
        }

        return ValueTask.CompletedTask;
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // A snapshot being written is finished (it takes well under a second) so that the next start replays less of
        // the log; one that does not finish in time is abandoned, which loses nothing.
        await _writing.WaitAsync(StopTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _lifetime.CancelAsync();
        await _writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _lifetime.Dispose();
    }

    private async Task WriteAsync(Func<Stream, CancellationToken, Task> write, long index, long term)
    {
        try
        {
            if (BeforeSnapshotWrite is { } gate)
            {
                await gate();
            }

            var written = await SnapshotFile.WriteAsync(_location, index, term, write, _lifetime.Token);
            Volatile.Write(ref _snapshot, written);
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // Stopping: the log is not compacted past what is on disk, so nothing is lost.
        }
        catch (Exception ex)
        {
            // The log keeps every entry since the last snapshot until the next one is written.
            LogMessages.SnapshotFailed(Logger, index, ex);
        }
    }

    // The leader's snapshot replaces the state: the write in flight (an older index) is finished first, so it cannot
    // be published over the installed one.
    private async Task<long> InstallAsync(LogEntry entry, CancellationToken token)
    {
        _notInstalling.Reset();
        try
        {
            // Timed in its parts: it all runs inside the leader's request, which the leader gives up on after the
            // lower election timeout and then sends again (docs/reliability.md, item 15).
            var started = Stopwatch.GetTimestamp();
            await _writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var ownWritten = Stopwatch.GetTimestamp();
            var received = ownWritten;
            _due = false;
            var installed = await SnapshotFile.WriteAsync(_location, entry.Index, entry.Term, async (stream, ct) =>
            {
                var writer = IAsyncBinaryWriter.Create(stream, new byte[64 * 1024]);
                await entry.WriteToAsync(writer, ct);
                ThrowIfCutOff(entry, stream.Position);
                received = Stopwatch.GetTimestamp();
            }, token);
            var onDisk = Stopwatch.GetTimestamp();
            await RestoreAsync(installed.File, token);
            Volatile.Write(ref _snapshot, installed);
            LogMessages.SnapshotInstalled(Logger, entry.Index, installed.File.Length, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                Stopwatch.GetElapsedTime(started, ownWritten).TotalMilliseconds, Stopwatch.GetElapsedTime(ownWritten, received).TotalMilliseconds,
                Stopwatch.GetElapsedTime(received, onDisk).TotalMilliseconds, Stopwatch.GetElapsedTime(onDisk).TotalMilliseconds);
            return _appliedIndex = entry.Index;
        }
        finally
        {
            // DotNext reads the snapshot once this returns, still inside the install: it must not wait.
            Volatile.Write(ref _installAnnounced, 0);
            _notInstalling.Set();
        }
    }

    // DotNext's TCP transport reads a snapshot until its stream ends, and a leader that gives up on the request (after an
    // election timeout) and closes the connection ends it early without an error: the cut-off file would be taken for
    // the whole snapshot, fail half-way through being written into the database, and stop the replica (a chaos run:
    // "Expected end of string, but instead reached end of data", exit code 70). Refused here, before it is named, the
    // request fails instead and the leader sends the snapshot again.
    private static void ThrowIfCutOff(in LogEntry entry, long received)
    {
        if (entry.Length is { } length && received != length)
        {
            throw new InvalidDataException(string.Create(
                CultureInfo.InvariantCulture,
                $"The leader's snapshot at entry {entry.Index} (term {entry.Term}) arrived with {received} of its {length} bytes: the transfer was cut off, so it is refused and the leader sends it again."));
        }
    }
}
