using System.Buffers;
using System.Text.Json;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using TxCoordinator.Coordinator.Diagnostics;
using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// The replica's side of the decision log: each committed entry (a batch of transaction images) is written, in log
/// order, to this replica's PostgreSQL database, which is therefore the applied state. Snapshots are the whole
/// transactions table; with them the log stays bounded, and a replica whose database was wiped rebuilds itself
/// from its last snapshot plus the entries after it (replayed at every start).
/// </summary>
internal sealed class ReplicatedStateMachine(
    DirectoryInfo location,
    TransactionImageWriter writer,
    AppliedTransactions applied,
    IDbContextFactory<CoordinatorDbContext> databases,
    int snapshotEvery,
    ILogger logger) : SimpleStateMachine(location)
{
    private const int SnapshotChunk = 1_000;
    private const int MaxApplyAttempts = 30;
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    /// <summary>Time to write one entry's images to PostgreSQL, over the last entries.</summary>
    public LatencyWindow ApplyLatency { get; } = new(4096);

    /// <summary>Index of the last entry written to PostgreSQL (0 before the first).</summary>
    public long AppliedIndex => Volatile.Read(ref _appliedIndex);

    private long _appliedIndex;

    protected override async ValueTask<bool> ApplyAsync(LogEntry entry, CancellationToken token)
    {
        var payload = Payload(entry);
        if (payload.Length > 0)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var images = Deserialize(payload);
            await WithRetriesAsync(ct => writer.WriteAsync(images, ct), entry.Index, token);
            applied.Apply(images);
            ApplyLatency.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        Volatile.Write(ref _appliedIndex, entry.Index);
        return entry.Index % snapshotEvery == 0;
    }

    protected override async ValueTask PersistAsync(IAsyncBinaryWriter output, CancellationToken token)
    {
        // One JSON array of images per line. Rows change while this runs; that is harmless, because restoring keeps
        // the highest revision and the entries after the snapshot are replayed over it.
        await using var db = await databases.CreateDbContextAsync(token);
        var count = 0;
        while (true)
        {
            var chunk = await db.Transactions.AsNoTracking().Include(t => t.Participants).AsSplitQuery()
                .OrderBy(t => t.Id).Skip(count).Take(SnapshotChunk).ToListAsync(token);
            if (chunk.Count == 0)
            {
                break;
            }

            var bytes = JsonSerializer.SerializeToUtf8Bytes(chunk.Select(TransactionImage.Of), TransactionImage.Json);
            await output.Invoke(bytes, token);
            await output.Invoke(NewLine, token);
            count += chunk.Count;
        }

        LogMessages.SnapshotWritten(logger, count);
    }

    protected override async ValueTask RestoreAsync(FileInfo snapshotFile, CancellationToken token)
    {
        var count = 0;
        using var reader = new StreamReader(snapshotFile.FullName);
        while (await reader.ReadLineAsync(token) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var images = JsonSerializer.Deserialize<List<TransactionImage>>(line, TransactionImage.Json)
                ?? throw new InvalidDataException($"Snapshot {snapshotFile.Name} holds a null chunk.");
            await WithRetriesAsync(ct => writer.WriteAsync(images, ct), 0, token);
            count += images.Count;
        }

        LogMessages.SnapshotRestored(logger, snapshotFile.Name, count);
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
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && attempt < MaxApplyAttempts && !token.IsCancellationRequested)
            {
                LogMessages.ApplyRetry(logger, index, attempt, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2_000, 100 * attempt)), token);
            }
        }
    }
}
