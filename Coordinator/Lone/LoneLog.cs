using Microsoft.EntityFrameworkCore;
using Npgsql;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Participants.Storage;

namespace TxCoordinator.Coordinator.Lone;

/// <summary>
/// A lone coordinator's log is its database. Changes from concurrent transactions are written in batches, one batch
/// at a time, through the one connection that holds the database's lone-coordinator lock (a session advisory lock):
/// a second lone coordinator on the same database cannot start, and one that loses its connection stops deciding
/// until it holds the lock again. Each batch is applied to the in-memory copy in the order it was written, with only
/// the images the database took, so the copy never says what the database does not.
/// </summary>
/// <remarks>
/// The in-memory copy and the term (<see cref="LeaderTerm"/>) let the engine skip the read before each change and keep
/// changes that decide nothing in memory, as a Raft leader does: a restart or a lost connection starts a new term, in
/// which the Active transactions found in the database are aborted (their enlistments may have died with the last).
/// </remarks>
internal sealed partial class LoneLog : IImageLog, IHostedService, IAsyncDisposable
{
    /// <summary>The key of the session advisory lock a lone coordinator holds on its database.</summary>
    internal const long LockKey = 0x7478_635F_6C6F_6E65; // "txc_lone"

    private const int MaxBatch = 256;
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LockRetryDelay = TimeSpan.FromSeconds(1);

    private readonly NpgsqlDataSource _lockSource;
    private readonly TimeSpan _startTimeout;
    private readonly ILogger<LoneLog> _logger;
    private readonly PendingChanges _changes = new("This coordinator is shutting down.");
    private readonly CancellationTokenSource _stopping = new();
    private NpgsqlConnection? _connection;
    private CancellationTokenSource _term = Ended();
    private long _epoch;
    private Task? _loop;

    public LoneLog(IConfiguration configuration, ILogger<LoneLog> logger)
        : this(configuration.GetConnectionString("Coordinator")
               ?? throw new InvalidOperationException("ConnectionStrings:Coordinator is not set: the coordinator needs its PostgreSQL database."),
            TimeSpan.FromSeconds(15), logger)
    {
    }

    internal LoneLog(string connectionString, TimeSpan startTimeout, ILogger<LoneLog> logger)
    {
        // Not pooled: a session lock outlives a pooled connection's return to the pool (ours are not reset), and the
        // lock must go when this coordinator lets go of its connection.
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        PooledSessionDefaults.Apply(builder.ConnectionStringBuilder, connectionString);
        builder.ConnectionStringBuilder.Pooling = false;
        _lockSource = builder.Build();
        _startTimeout = startTimeout;
        _logger = logger;
    }

    public AppliedTransactions Applied { get; } = new();

    public LeaderTerm Leadership { get; } = new();

    public bool IsDeciding => !_term.IsCancellationRequested;

    public long Epoch => Interlocked.Read(ref _epoch);

    public void EnsureDeciding()
    {
        if (!IsDeciding)
        {
            throw new CoordinatorUnavailableException(
                "This coordinator lost its connection to its database and decides nothing until it is back; retry shortly.");
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Held before the first request: a second lone coordinator on the same database fails here, clearly.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_startTimeout);
        string? heldBy = null;
        while (true)
        {
            try
            {
                heldBy = await TryLockAsync(timeout.Token);
                if (heldBy is null)
                {
                    break;
                }
            }
            catch (NpgsqlException ex) when (!timeout.IsCancellationRequested)
            {
                LockFailed(_logger, ex.Message);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException(heldBy is null
                    ? $"The lone coordinator could not reach its database within {_startTimeout.TotalSeconds:0} s."
                    : $"Another lone coordinator ({heldBy}) holds this database: run one lone coordinator per database, or a " +
                      "replicated group (Coordinator:Cluster) for more than one.");
            }

            await Task.Delay(LockRetryDelay, timeout.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _loop = Task.Run(() => WriteLoopAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _changes.Complete();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _term.Cancel();
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        await _lockSource.DisposeAsync();
        _stopping.Dispose();
    }

    public async Task AppendAsync(TransactionImage image, long epoch, CancellationToken cancellationToken)
    {
        EnsureDeciding();
        await _changes.AppendAsync(image, epoch, cancellationToken);
    }

    // A change returns once written and applied: nothing written is ever waiting to be applied.
    public Task WaitForAppliedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Its database is its log: what is applied is written.
    public TransactionImage? Unwritten(Guid transactionId) => null;

    public IReadOnlyCollection<TransactionImage> Unwritten() => [];

    /// <summary>Takes the lock on a new connection and starts a term; returns who holds it when another does.</summary>
    private async Task<string?> TryLockAsync(CancellationToken cancellationToken)
    {
        var connection = await _lockSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand(
                "SELECT pg_try_advisory_lock(@key), (SELECT string_agg(coalesce(host(a.client_addr), 'local') || ' pid ' || a.pid, ', ') " +
                "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted " +
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) " + // the lock is per database
                "AND l.classid = (@key >> 32)::oid AND l.objid = (@key & 4294967295)::oid AND a.pid <> pg_backend_pid())", connection);
            command.Parameters.AddWithValue("key", LockKey);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (!reader.GetBoolean(0))
            {
                var holder = reader.IsDBNull(1) ? "a session of this database" : "connection from " + reader.GetString(1);
                await connection.DisposeAsync();
                return holder;
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        // Whatever was kept in memory, deferred or known of the last term may be behind the database now; and a
        // change made from it, by a caller preempted across the new term's start, is refused (PendingChanges.FailStale).
        var epoch = Interlocked.Read(ref _epoch) + 1;
        Applied.Clear();
        Applied.ResetDeferred(epoch);
        Leadership.Start(epoch);
        _connection = connection;
        _term = new CancellationTokenSource();
        Interlocked.Exchange(ref _epoch, epoch);
        Locked(_logger, epoch);
        return null;
    }

    private async Task WriteLoopAsync(CancellationToken stopping)
    {
        var batch = new List<PendingChange>(MaxBatch);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                if (_connection is null && !await RelockAsync(stopping))
                {
                    continue;
                }

                if (!await _changes.TakeAsync(batch, MaxBatch, stopping))
                {
                    break;
                }

                await WriteBatchAsync(batch, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        _changes.FailQueued();
    }

    private async Task<bool> RelockAsync(CancellationToken stopping)
    {
        // Changes queued before the connection was lost belong to the last term: they fail, they are not written.
        _changes.FailQueued(new CoordinatorUnavailableException(
            "This coordinator lost its connection to its database before writing the change; retry shortly."));
        try
        {
            if (await TryLockAsync(stopping) is { } heldBy)
            {
                LockHeldElsewhere(_logger, heldBy);
            }
            else
            {
                return true;
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            LockFailed(_logger, ex.Message);
        }

        await Task.Delay(LockRetryDelay, stopping);
        return false;
    }

    private async Task WriteBatchAsync(List<PendingChange> batch, CancellationToken stopping)
    {
        PendingChanges.FailStale(batch, Epoch);
        if (batch.Count == 0)
        {
            return;
        }

        var images = batch.ConvertAll(c => c.Image);
        HashSet<Guid> written;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(WriteTimeout);
            written = await TransactionImageWriter.WriteAsync(_connection!, images, timeout.Token);
        }
        catch (Exception ex)
        {
            // Written or not, nobody can tell (the connection may have died during COMMIT): this term ends, and the
            // next starts from the database alone. The lock went with the connection, or goes as it is closed now.
            var stopped = ex is OperationCanceledException && stopping.IsCancellationRequested;
            await LoseLockAsync(ex, stopped);
            var failure = new CoordinatorUnavailableException(stopped
                ? "This coordinator is shutting down."
                : $"Writing to the coordinator's database failed: {ex.Message}; retry shortly.", ex);
            foreach (var change in batch)
            {
                change.Done.TrySetException(failure);
            }

            return;
        }

        Applied.Apply(images.Where(i => written.Contains(i.Id)));
        foreach (var change in batch)
        {
            if (written.Contains(change.Image.Id))
            {
                change.Done.TrySetResult();
                continue;
            }

            // The database held this revision already (a change whose caller gave up, written after all): the copy
            // was behind it, so the database answers for this transaction from now on, and the engine redoes the change.
            Applied.Forget(change.Image.Id);
            change.Done.TrySetException(new DbUpdateConcurrencyException(
                $"Transaction {change.Image.Id}: the database already holds revision {change.Image.Revision} or later."));
        }
    }

    private async Task LoseLockAsync(Exception cause, bool stopped)
    {
        await _term.CancelAsync();
        Applied.ResetDeferred(0);
        Leadership.End();
        if (stopped)
        {
            // Shutting down mid-write is no fault of the database: nothing for an operator to look into.
            StoppedMidWrite(_logger);
        }
        else
        {
            LockLost(_logger, cause.Message);
        }

        var connection = _connection;
        _connection = null;
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }

    private static CancellationTokenSource Ended()
    {
        var ended = new CancellationTokenSource();
        ended.Cancel();
        return ended;
    }

    [LoggerMessage(8000, LogLevel.Information, "Lone coordinator holds its database and decides (term {Epoch})")]
    private static partial void Locked(ILogger logger, long epoch);

    [LoggerMessage(8001, LogLevel.Error, "Lone coordinator lost its hold on its database and decides nothing until it is back: {Reason}")]
    private static partial void LockLost(ILogger logger, string reason);

    [LoggerMessage(8004, LogLevel.Information, "Lone coordinator stopped during a write; the next start reads what the database took")]
    private static partial void StoppedMidWrite(ILogger logger);

    [LoggerMessage(8002, LogLevel.Warning, "Lone coordinator cannot reach its database yet: {Reason}")]
    private static partial void LockFailed(ILogger logger, string reason);

    [LoggerMessage(8003, LogLevel.Critical, "Another lone coordinator holds this coordinator's database ({HeldBy}): only one may; retrying")]
    private static partial void LockHeldElsewhere(ILogger logger, string heldBy);
}
