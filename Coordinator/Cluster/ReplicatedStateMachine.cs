using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Npgsql;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Diagnostics;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.StateMachine;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// The replica's side of the decision log: each committed entry (a batch of transaction images) is applied, in log
/// order, to the in-memory copy (<see cref="AppliedTransactions"/>) and, a little behind, to this replica's PostgreSQL
/// database. Snapshots hold every unfinished transaction and those begun within <paramref name="history"/>; with them
/// the log stays bounded, and a replica whose database was wiped rebuilds itself from its last snapshot plus the
/// entries after it (replayed at every start).
/// </summary>
/// <remarks>
/// A snapshot is taken from memory, not from the database, and written beside the applier
/// (<see cref="BackgroundSnapshotStateMachine"/>): the applier only copies the references to the images it holds.
/// Read from the database (every replica at the same index, ~1,600 rows through EF Core at five seconds of history and
/// ~300 transactions a second) a snapshot stopped the applier for up to ~0.6 s; written from memory by the applier, for
/// 97-371 ms at a minute of history (docs/benchmarks.md, steps 27-29). The unfinished transactions are the applied
/// copy's (<see cref="AppliedTransactions"/>, which a restored snapshot refills too); the finished ones of the history
/// are kept here as they are applied, at most <see cref="MaxRecentFinished"/> of them.
/// <para>
/// While <paramref name="writeBehind"/> is set, every replica, the leader too, keeps the newest image per transaction
/// in memory and writes them every few hundred milliseconds (<see cref="FlushAsync"/>): a transaction changed three
/// times in that span is written once, and no change waits for PostgreSQL. Nothing is lost by a crash meanwhile, since
/// the log is the durable record and every start replays it from the last snapshot; before a snapshot from the leader
/// is installed, and before this replica starts deciding, what is held is written first. The engine never reads a row
/// older than the log: it reads an unfinished transaction from the copy, and a finished one from
/// <see cref="Unwritten(Guid)"/> until its row is written. Without <paramref name="writeBehind"/> each entry is written
/// before it counts as applied.
/// </para>
/// </remarks>
internal sealed class ReplicatedStateMachine(
    DirectoryInfo location,
    TransactionImageWriter writer,
    AppliedTransactions applied,
    int snapshotEvery,
    TimeSpan history,
    bool writeBehind,
    TimeProvider time,
    ILogger logger) : BackgroundSnapshotStateMachine(location, time, logger)
{
    private const int MaxApplyAttempts = 30;

    // Bounds the memory held and the size of one write (images of a few hundred bytes each).
    private const int MaxHeld = 2_048;

    /// <summary>
    /// Most finished transactions a snapshot holds (a few tens of MB of images): about a minute at the load the
    /// benchmarks reach. A longer <see cref="ClusterOptions.SnapshotHistory"/> is cut to the newest this many.
    /// </summary>
    internal const int MaxRecentFinished = 20_000;
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    // Guards changes to the held images and every write to the database: entries are applied by DotNext's applier,
    // flushes come from a timer, a snapshot or a takeover. Readers look the held images up without it: an image leaves
    // them only once its row is written.
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly ConcurrentDictionary<Guid, TransactionImage> _held = [];
    // Finished transactions as applied, oldest first, for snapshots. Used by the applier only (a snapshot copies it).
    private readonly Queue<TransactionImage> _recentFinished = new();
    // Set once the replica's own newest snapshot is restored (StartAsync): a snapshot restored after that is the leader's.
    private bool _started;
    private long _heldUpTo;
    private long _writtenUpTo;
    private int _heldCount;
    // The leader's snapshot being written into the database (InstallInBackgroundAsync), which holds _writing meanwhile.
    private readonly CancellationTokenSource _stopping = new();
    private Task _installing = Task.CompletedTask;
    // The leader's snapshots installed but not yet written into the database, by path.
    private readonly ConcurrentDictionary<string, byte> _queuedInstalls = [];
    private Exception? _installFailure;
    private int _disposed;

    /// <summary>
    /// Told from when finished transactions may be missing from this replica's database: after it installs the
    /// leader's snapshot, or restores its own into an empty database.
    /// </summary>
    internal HistoryGaps? Gaps { get; init; }

    /// <summary>
    /// The <see cref="FaultInjectionOptions.MetadataKey"/> value that fails this replica's applier (fault injection
    /// enabled only), and when the replica started: transactions begun before do not count.
    /// </summary>
    internal (string Fault, DateTimeOffset Since)? FailApply { get; init; }

    /// <summary>Transactions written to the snapshot as one line (one JSON array, which restoring reads at once).</summary>
    internal int SnapshotChunk { get; init; } = 1_000;

    /// <summary>Time to write one entry's images (or one flush of held images) to PostgreSQL, over the last writes.</summary>
    public LatencyWindow ApplyLatency { get; } = new(4096);

    /// <summary>
    /// Index of the last entry the database shows, given the index DotNext reports applied (read before this call):
    /// with nothing held, everything applied is written.
    /// </summary>
    public long WrittenIndex(long appliedIndex) =>
        Volatile.Read(ref _heldCount) == 0 && Volatile.Read(ref _installing).IsCompleted ? appliedIndex : Volatile.Read(ref _writtenUpTo);

    /// <summary>Images held for the database, not yet written.</summary>
    public int HeldCount => Volatile.Read(ref _heldCount);

    /// <summary>The newest applied image of the transaction when its database row does not show it yet; else null.</summary>
    public TransactionImage? Unwritten(Guid transactionId) => _held.TryGetValue(transactionId, out var image) ? image : null;

    /// <summary>Every applied image the database does not show yet, newest per transaction.</summary>
    public IReadOnlyCollection<TransactionImage> Unwritten() => [.. _held.Values];

    protected override async ValueTask<bool> ApplyAsync(LogEntry entry, CancellationToken token)
    {
        var payload = Payload(entry);
        await _writing.WaitAsync(token);
        try
        {
            if (_installFailure is { } failure)
            {
                // Applying on top of a snapshot half written would leave this database behind the log for good.
                throw new InvalidOperationException(
                    $"The leader's snapshot could not be written into this replica's database: {failure.Message}", failure);
            }

            if (payload.Length > 0)
            {
                // On the replica that appended the entry, DotNext hands back the images it was made from: no parsing,
                // and the engine recognises its own image in the applied copy by reference instead of comparing JSON.
                var images = AppendedImages.For(entry.Context, payload) ?? Deserialize(payload);
                ThrowIfFaultInjected(images, entry.Index);
                if (writeBehind)
                {
                    Hold(images, entry.Index);
                    if (_heldCount >= MaxHeld)
                    {
                        await WriteHeldAsync(token);
                    }
                }
                else
                {
                    // Held images are older than this entry's: written first, so the database never goes back.
                    await WriteHeldAsync(token);
                    await WriteAsync(images, entry.Index, token);
                }

                applied.Apply(images);
                RememberFinished(images);
            }

            if (_held.IsEmpty)
            {
                Volatile.Write(ref _writtenUpTo, entry.Index);
            }
            else
            {
                _heldUpTo = entry.Index;
            }
        }
        finally
        {
            _writing.Release();
        }

        return entry.Index % snapshotEvery == 0;
    }

    private void ThrowIfFaultInjected(List<TransactionImage> images, long index)
    {
        if (FailApply is not { } failApply)
        {
            return;
        }

        var (fault, since) = failApply;
        foreach (var image in images)
        {
            if (image.CreatedAt >= since && image.Metadata.GetValueOrDefault(FaultInjectionOptions.MetadataKey) == fault)
            {
                LogMessages.InjectedApplyFailure(Logger, index, image.Id);
                throw new InvalidOperationException($"Fault injection: entry {index} (transaction {image.Id}) is not applied.");
            }
        }
    }

    /// <summary>Writes the held images, if any, to the database.</summary>
    public async Task FlushAsync(CancellationToken token)
    {
        await _writing.WaitAsync(token);
        try
        {
            await WriteHeldAsync(token);
        }
        finally
        {
            _writing.Release();
        }
    }

    // Per transaction, the first image of the highest revision wins: the writer's own rule, so holding changes nothing.
    private void Hold(List<TransactionImage> images, long index)
    {
        foreach (var image in images)
        {
            if (!_held.TryGetValue(image.Id, out var held) || held.Revision < image.Revision)
            {
                _held[image.Id] = image;
            }
        }

        _heldUpTo = index;
        Volatile.Write(ref _heldCount, _held.Count);
    }

    private async Task WriteHeldAsync(CancellationToken token)
    {
        if (_held.IsEmpty)
        {
            return;
        }

        await WriteAsync([.. _held.Values], _heldUpTo, token);
        Volatile.Write(ref _writtenUpTo, _heldUpTo);
        // Only now: a reader that misses an image here finds its row written.
        _held.Clear();
        Volatile.Write(ref _heldCount, 0);
    }

    private async Task WriteAsync(IReadOnlyCollection<TransactionImage> images, long index, CancellationToken token)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await WithRetriesAsync(ct => writer.WriteAsync(images, ct), index, token);
        ApplyLatency.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    // Keeps the finished images the copy took (a duplicate or an older revision it ignored is not the transaction's
    // state), and lets go of those begun before the history.
    private void RememberFinished(List<TransactionImage> images)
    {
        foreach (var image in images)
        {
            if (TransactionStateMachine.IsFinal(image.State)
                && applied.Final(image.Id) is { } final && final.Revision == image.Revision && final.State == image.State)
            {
                _recentFinished.Enqueue(image);
            }
        }

        var cutoff = Time.GetUtcNow() - history;
        while (_recentFinished.Count > MaxRecentFinished
            || (_recentFinished.TryPeek(out var oldest) && oldest.CreatedAt < cutoff))
        {
            _recentFinished.Dequeue();
        }
    }

    protected override Func<Stream, CancellationToken, Task> CaptureSnapshot(long index)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        // Not the whole table: every unfinished transaction, and those begun within the history window. Older finished
        // ones stay in each replica's database; a replica rebuilt from a snapshot alone (a wiped database) lacks them,
        // which costs operators history and nothing else (presumed abort: nobody waits on a finished transaction).
        // Images are never changed once made, so copying the references is copying the state at this entry.
        var cutoff = Time.GetUtcNow() - history;
        var finished = _recentFinished.ToArray();
        var unfinished = applied.Unfinished.ToArray();
        var captureMs = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return async (output, token) =>
        {
            var recent = new Dictionary<Guid, TransactionImage>();
            foreach (var image in finished)
            {
                // Per transaction, the first image of the highest revision: the applier's own rule.
                if (image.CreatedAt >= cutoff && (!recent.TryGetValue(image.Id, out var seen) || seen.Revision < image.Revision))
                {
                    recent[image.Id] = image;
                }
            }

            var count = 0;
            var start = output.Position;
            await using (var compressed = SnapshotContent.Compress(output))
            {
                foreach (var chunk in unfinished.Where(image => !recent.ContainsKey(image.Id)).Concat(recent.Values).Chunk(SnapshotChunk))
                {
                    // One JSON array of images per line: RestoreAsync reads a line at a time.
                    await JsonSerializer.SerializeAsync(compressed, chunk, TransactionImage.Json, token);
                    await compressed.WriteAsync(NewLine, token);
                    count += chunk.Length;
                }
            }

            LogMessages.SnapshotWritten(
                Logger, index, count, output.Position - start, (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                Math.Round(captureMs, 2));
        };
    }

    /// <summary>Restores this replica's newest snapshot, if it has one: once, before its log is opened.</summary>
    public async ValueTask StartAsync(CancellationToken token)
    {
        await RestoreAsync(token);
        _started = true;
    }

    protected override async ValueTask RestoreAsync(FileInfo snapshotFile, CancellationToken token)
    {
        if (!_started)
        {
            await FlushAsync(token);
            await RestoreIntoDatabaseAsync(snapshotFile, installing: false, token);
            return;
        }

        // The leader's snapshot is installed inside its InstallSnapshot request, which it gives up on after the lower
        // election timeout; a freshly started process can take longer than that to write a minute of history into
        // PostgreSQL, and DotNext then refuses the same snapshot sent again (it already holds it), so the leader kept
        // re-sending it instead of replicating until its next snapshot. So the request ends once the snapshot is on
        // disk, and the database is written behind it, as entries are: holding the write lock until it is done, so
        // every entry after the snapshot, a flush and a takeover wait for it. The request does not wait for the lock
        // either (in a catch-up run it waited 53 of its 97 ms behind a flush of held images): it only queues for it,
        // and the semaphore hands it over first come, first served, so every later write still comes after the
        // install. A crash meanwhile loses nothing: the next start restores this snapshot, now the replica's own
        // newest, and replays the log after it.
        // Newer snapshots can be installed meanwhile, and DotNext then deletes the older files (ReclaimGarbageAsync):
        // this one is kept until it is written.
        _queuedInstalls.TryAdd(snapshotFile.FullName, 0);
        var turn = _writing.WaitAsync(_stopping.Token);
        Volatile.Write(ref _installing, Task.Run(() => InstallInBackgroundAsync(turn, snapshotFile), CancellationToken.None));
    }

    protected override bool InUse(FileInfo snapshotFile) => _queuedInstalls.ContainsKey(snapshotFile.FullName);

    private async Task InstallInBackgroundAsync(Task turn, FileInfo snapshotFile)
    {
        try
        {
            await turn;
        }
        catch (OperationCanceledException)
        {
            // Stopping before the lock came free: nothing was written, and the next start restores the snapshot.
            _queuedInstalls.TryRemove(snapshotFile.FullName, out _);
            return;
        }

        try
        {
            // Held images are older than the snapshot; written first, they are then superseded.
            await WriteHeldAsync(_stopping.Token);
            await RestoreIntoDatabaseAsync(snapshotFile, installing: true, _stopping.Token);
        }
        catch (Exception ex)
        {
            _installFailure = ex;
            if (!_stopping.IsCancellationRequested)
            {
                LogMessages.SnapshotInstallFailed(Logger, snapshotFile.Name, ex);
            }
        }
        finally
        {
            _queuedInstalls.TryRemove(snapshotFile.FullName, out _);
            _writing.Release();
        }
    }

    private async Task RestoreIntoDatabaseAsync(FileInfo snapshotFile, bool installing, CancellationToken token)
    {
        // A snapshot holds the unfinished transactions and the history; older finished ones may be in neither it nor
        // this database: with an empty database (a new or wiped replica), any; installing the leader's snapshot, those
        // begun since this replica's newest, or since its oldest unfinished one (it may have finished meanwhile).
        DateTimeOffset? newest = null;
        await WithRetriesAsync(async ct => newest = await writer.NewestCreatedAtAsync(ct), 0, token);
        var gapFrom = newest is null ? DateTimeOffset.UnixEpoch : installing ? newest : null;
        if (installing)
        {
            foreach (var image in applied.Unfinished)
            {
                gapFrom = gapFrom is { } from && from <= image.CreatedAt ? from : image.CreatedAt;
            }
        }

        var inSnapshot = new HashSet<Guid>();
        var count = 0;
        using var reader = new StreamReader(SnapshotContent.OpenRead(snapshotFile.FullName));
        while (await reader.ReadLineAsync(token) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var images = JsonSerializer.Deserialize<List<TransactionImage>>(line, TransactionImage.Json)
                ?? throw new InvalidDataException($"Snapshot {snapshotFile.Name} holds a null chunk.");
            await WithRetriesAsync(ct => writer.WriteAsync(images, ct), 0, token);
            // The next snapshot is taken from memory: what this one holds must be there.
            applied.Apply(images);
            RememberFinished(images);
            inSnapshot.UnionWith(images.Select(image => image.Id));
            count += images.Count;
        }

        LogMessages.SnapshotRestored(Logger, snapshotFile.Name, count);
        if (installing)
        {
            await ForgetFinishedElsewhereAsync(snapshotFile.Name, inSnapshot, token);
        }

        if (gapFrom is { } gap)
        {
            Gaps?.Report(gap);
        }
    }

    // The leader's snapshot holds every transaction unfinished at its index. One that this replica holds as unfinished
    // and the snapshot lacks finished while this replica was behind, longer ago than the history, so its outcome is
    // not in the snapshot either. Kept, it would be a live transaction to this replica, and as leader it would abort
    // what the others committed (found by a chaos run with snapshots every 100 entries: "Committed at r1, Committed at
    // r2, Aborted at r3"). Nothing waits on it (a finished transaction has every participant's acknowledgement), so
    // this replica forgets it: its history lacks it, as a rebuilt replica's lacks what is older than its snapshot.
    private async Task ForgetFinishedElsewhereAsync(string snapshot, HashSet<Guid> inSnapshot, CancellationToken token)
    {
        List<Guid> deleted = [];
        await WithRetriesAsync(async ct => deleted = await writer.DeleteUnfinishedExceptAsync(inSnapshot, ct), 0, token);
        var forgotten = deleted.ToHashSet();
        forgotten.UnionWith(applied.Unfinished.Select(image => image.Id).Where(id => !inSnapshot.Contains(id)));
        foreach (var id in forgotten)
        {
            applied.Forget(id);
        }

        if (forgotten.Count > 0)
        {
            LogMessages.FinishedElsewhereForgotten(Logger, snapshot, forgotten.Count);
        }
    }

    private static ReadOnlySequence<byte> Payload(LogEntry entry)
    {
        if (entry.TryGetPayload(out var sequence))
        {
            return sequence;
        }

        // Spread over several pages of the log: join them.
        var joined = new ArrayBufferWriter<byte>();
        foreach (var block in entry.GetPayload())
        {
            joined.Write(block.Span);
        }

        return new ReadOnlySequence<byte>(joined.WrittenMemory);
    }

    private static List<TransactionImage> Deserialize(ReadOnlySequence<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        return JsonSerializer.Deserialize<List<TransactionImage>>(ref reader, TransactionImage.Json)
            ?? throw new InvalidDataException("A decision log entry holds null.");
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _installing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await base.DisposeAsync();
        _writing.Dispose();
        _stopping.Dispose();
    }

    // EF Core's retrying strategy, once it gives up, wraps the database's exception in an InvalidOperationException.
    private static bool IsTransient(Exception ex) =>
        ex is NpgsqlException or TimeoutException || ex.InnerException is NpgsqlException or TimeoutException;

    // An exception here would stop the log's applier for good, so a database hiccup is waited out (bounded);
    // past that the replica stops applying and reports it, and its health check turns unready.
    private async Task WithRetriesAsync(Func<CancellationToken, Task> write, long index, CancellationToken token)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await write(token);
                return;
            }
            catch (Exception ex) when (IsTransient(ex) && attempt < MaxApplyAttempts && !token.IsCancellationRequested)
            {
                LogMessages.ApplyRetry(Logger, index, attempt, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2_000, 100 * attempt)), token);
            }
        }
    }
}
