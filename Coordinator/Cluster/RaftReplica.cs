using System.Diagnostics;
using System.Net;
using System.Text.Json;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.Membership;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Options;
using TxCoordinator.Coordinator.Diagnostics;
using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// This process's member of the Raft group (DotNext over TCP, write-ahead log on disk). It decides only while it
/// is the leader and has applied everything committed before its term; changes from concurrent transactions are
/// batched into log entries so that replication does not serialise throughput.
/// </summary>
internal sealed partial class RaftReplica : IImageLog, IHostedService, IAsyncDisposable
{
    // Two batches in flight: one replicating while the next fills up.
    private const int BatchLoops = 2;

    // EX_SOFTWARE (sysexits.h): the process stopped itself because of an internal failure, not a request to stop.
    internal const int LogFailedExitCode = 70;

    // DotNext's default chunk is one memory page (4 KiB): a file created, mapped, flushed and deleted every few
    // entries. Measured with perf under load: ext4 inode creation and unlinking took ~10% of a follower's CPU.
    private const int WalChunkSize = 1 << 20;

    private readonly ClusterOptions _options;
    private readonly TransactionImageWriter _writer;
    private readonly HistoryGaps _gaps;
    private readonly FaultInjectionOptions _faults;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly ILogger<RaftReplica> _logger;
    private readonly PendingChanges _changes = new("This coordinator replica is shutting down.");
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];

    private readonly LatencyWindow _replicationLatency = new(4096);
    private readonly LatencyWindow _batchSizes = new(4096);
    private RaftCluster? _cluster;
    private WriteAheadLog? _log;
    private ReplicatedStateMachine? _stateMachine;
    private DecidingTerm _deciding = DecidingTerm.None;
    private long _electedTerm;
    private long _epoch;
    private IDisposable? _metricsRegistration;

    public RaftReplica(
        IOptions<ClusterOptions> options,
        TransactionImageWriter writer,
        ILoggerFactory loggerFactory,
        IHostApplicationLifetime lifetime,
        TimeProvider time,
        HistoryGaps gaps,
        IOptions<FaultInjectionOptions> faults)
    {
        _gaps = gaps;
        _faults = faults.Value;
        _lifetime = lifetime;
        _time = time;
        _options = options.Value;
        _writer = writer;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<RaftReplica>();
    }

    public ClusterOptions Options => _options;

    /// <summary>The unfinished transactions as this replica last applied them (and, leading, as it deferred them).</summary>
    public AppliedTransactions Applied { get; } = new();

    /// <summary>What this replica knows of its own term as leader; forgotten whenever it starts or stops leading.</summary>
    public LeaderTerm Leadership { get; } = new();

    /// <summary>True while this replica leads and has applied every entry committed before its term.</summary>
    public bool IsDeciding => !Volatile.Read(ref _deciding).Token.IsCancellationRequested;

    /// <summary>Counts the terms in which this replica took over as leader; the supervisor re-drives on each.</summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    public long Term => _cluster?.Term ?? 0;

    public ClusterMember? Leader => _cluster?.Leader is { } leader ? _options.FindByRaftEndPoint(leader.EndPoint) : null;

    public long CommitIndex => _log?.LastCommittedEntryIndex ?? 0;

    public long LastEntryIndex => _log?.LastEntryIndex ?? 0;

    /// <summary>Index of the last entry this replica's database shows (a follower writes a little behind its log).</summary>
    public long AppliedIndex => _log is { } log && _stateMachine is { } machine ? machine.WrittenIndex(log.LastAppliedIndex) : 0;

    /// <summary>Time for a batch of changes to be committed by a majority and applied here, over the last batches.</summary>
    public LatencyWindow.Summary ReplicationLatency => _replicationLatency.Summarize();

    /// <summary>Time for this replica to write one committed entry to its database, over the last entries.</summary>
    public LatencyWindow.Summary ApplyLatency => _stateMachine?.ApplyLatency.Summarize() ?? new(0, 0, 0, 0);

    /// <summary>Changes per log entry, over the last batches.</summary>
    public LatencyWindow.Summary BatchSizes => _batchSizes.Summarize();

    public string Role => _cluster is null ? "Stopped"
        : IsDeciding ? "Leader"
        : !_cluster.LeadershipToken.IsCancellationRequested ? "Leader (catching up)"
        : _cluster.Leader is null ? "Candidate" : "Follower";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var self = _options.Self();
        var root = Directory.CreateDirectory(_options.DataPath!);
        _stateMachine = new ReplicatedStateMachine(
            root.CreateSubdirectory("snapshots"), _writer, Applied, _options.SnapshotEvery, _options.SnapshotHistory,
            writeBehind: _options.DatabaseWriteDelay > TimeSpan.Zero, _time, _logger)
        {
            Gaps = _gaps,
            FailApply = _faults.Enabled ? (FaultInjectionOptions.FailApplyPrefix + _options.ReplicaId, _time.GetUtcNow()) : null,
        };
        // The newest snapshot first (a wiped database is refilled from it), then the log replays what followed.
        await _stateMachine.StartAsync(cancellationToken);
        _log = new BoundedReplicationLog(
            new WriteAheadLog.Options { Location = Path.Combine(root.FullName, "wal"), ChunkSize = WalChunkSize }, _stateMachine,
            _options.MaxAppendRequestBytes) { SnapshotRefused = _stateMachine.RequestSnapshotNewerThan };
        await _log.InitializeAsync(cancellationToken);

        var configuration = new RaftCluster.TcpConfiguration(IPEndPoint.Parse(self.RaftEndPoint!))
        {
            LowerElectionTimeout = _options.LowerElectionTimeoutMs,
            UpperElectionTimeout = _options.UpperElectionTimeoutMs,
            // At most the lower election timeout, not DotNext's default (the upper one): a candidate counts its votes
            // only once every member has answered or failed, and gives up at its election timeout, so a vote sent to a
            // replica that cannot be reached must fail before that. With the default, a chaos run saw no new leader
            // for the 29 s its leader was cut off. So a follower installing the leader's snapshot must answer within
            // it: the state machine writes the snapshot into the database after answering (ReplicatedStateMachine).
            RequestTimeout = TimeSpan.FromMilliseconds(_options.LowerElectionTimeoutMs),
            ConnectTimeout = TimeSpan.FromMilliseconds(_options.LowerElectionTimeoutMs / 2),
            ColdStart = false,
            ConfigurationStorage = null!, // the built-in in-memory storage, filled with the static member list below
            LoggerFactory = _loggerFactory,
        };
        var members = ((InMemoryClusterConfigurationStorage<EndPoint>)configuration.ConfigurationStorage).CreateInitialConfigurationBuilder();
        foreach (var member in _options.Members)
        {
            members.Add(IPEndPoint.Parse(member.RaftEndPoint!));
        }

        members.Build();
        _cluster = new RaftCluster(configuration) { AuditTrail = _log };
        _cluster.LeaderChanged += (cluster, leader) =>
        {
            if (leader is { IsRemote: false })
            {
                // DotNext raises this as this member becomes leader, under the lock that every change of term takes:
                // the one moment its current term is surely the term it leads.
                Volatile.Write(ref _electedTerm, cluster.Term);
            }

            CoordinatorDiagnostics.LeaderChanges.Add(1);
            LeaderChanged(_logger, leader?.EndPoint?.ToString() ?? "none", _cluster.Term);
        };
        _metricsRegistration = CoordinatorDiagnostics.Observe(this);
        await _cluster.StartAsync(cancellationToken);
        LogMessages.ReplicaStarted(_logger, self.Id!, self.RaftEndPoint!, _options.Members.Count, _log.LastCommittedEntryIndex);

        _loops.Add(Task.Run(() => LeadLoopAsync(_stopping.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => WatchLogAsync(_stopping.Token), CancellationToken.None));
        if (_options.DatabaseWriteDelay > TimeSpan.Zero)
        {
            _loops.Add(Task.Run(() => FlushLoopAsync(_stopping.Token), CancellationToken.None));
        }

        for (var i = 0; i < BatchLoops; i++)
        {
            _loops.Add(Task.Run(() => BatchLoopAsync(_stopping.Token), CancellationToken.None));
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _changes.Complete();
        await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_cluster is not null)
        {
            await _cluster.StopAsync(cancellationToken);
        }

        if (_stateMachine is not null)
        {
            // Not needed for safety (a restart replays the log), but leaves the database current for whoever looks.
            try
            {
                await _stateMachine.FlushAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogMessages.FlushFailed(_logger, ex);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _metricsRegistration?.Dispose();
        _stopping.Dispose();
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_log is not null)
        {
            await _log.DisposeAsync();
        }

        if (_stateMachine is not null)
        {
            await _stateMachine.DisposeAsync();
        }
    }

    /// <summary>
    /// Commits one transaction change through the log: returns once a majority has it and this replica has applied it
    /// (its copy; the database follows within <see cref="ClusterOptions.DatabaseWriteDelay"/>). Fails with
    /// <see cref="CoordinatorUnavailableException"/> when this replica cannot decide.
    /// </summary>
    public async Task AppendAsync(TransactionImage image, long epoch, CancellationToken cancellationToken)
    {
        EnsureDeciding();
        await _changes.AppendAsync(image, epoch, cancellationToken);
    }

    public TransactionImage? Unwritten(Guid transactionId) => _stateMachine?.Unwritten(transactionId);

    public IReadOnlyCollection<TransactionImage> Unwritten() => _stateMachine?.Unwritten() ?? [];

    /// <summary>Waits (at most the replication timeout) until this replica has applied every committed entry.</summary>
    /// <exception cref="CoordinatorUnavailableException">It did not in time (its applier is stuck on the database).</exception>
    public async Task WaitForAppliedAsync(CancellationToken cancellationToken)
    {
        // The common case, checked before the timeout's timer is armed: every change of the engine passes here.
        if (_log!.LastAppliedIndex >= _log.LastCommittedEntryIndex)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ReplicationTimeout);
        try
        {
            await _log!.WaitForApplyAsync(_log.LastCommittedEntryIndex, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CoordinatorUnavailableException(
                $"Replica '{_options.ReplicaId}' has not applied the decision log within {_options.ReplicationTimeout.TotalSeconds:0.#} s; retry shortly.");
        }
    }

    public void EnsureDeciding()
    {
        if (IsDeciding)
        {
            return;
        }

        throw new CoordinatorUnavailableException(Leader is { } leader && leader.Id != _options.ReplicaId
            ? $"Replica '{_options.ReplicaId}' is a follower; the leader is '{leader.Id}' at {leader.HttpUrl}."
            : _cluster is not null && !_cluster.LeadershipToken.IsCancellationRequested
                ? $"Replica '{_options.ReplicaId}' was just elected and is applying the log before it decides; retry shortly."
                : $"Replica '{_options.ReplicaId}' knows no leader: it cannot reach a majority of the {_options.Members.Count} replicas, and decides nothing without one.");
    }

    private async Task LeadLoopAsync(CancellationToken stopping)
    {
        var cluster = _cluster!;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var lease = await cluster.WaitForLeadershipAsync(stopping);
                // Every entry of this term is stamped with this term, never with the node's current one (DotNext's own
                // ReplicateAsync overloads read it apart from their check that the node leads): while a leader steps
                // down, its current term is already its successor's, and an entry stamped with it looks like one the
                // successor wrote, so it survives in the log and wins elections it must lose. Found by the chaos run:
                // a paused leader, resumed, appended such entries; re-elected later, it overwrote decisions its
                // successor had committed and answered (Aborted there, Committed after).
                var term = cluster.Term;
                if (term != Volatile.Read(ref _electedTerm))
                {
                    // A later term arrived as this replica took over: this lease is ending (resign if it does not).
                    TermMovedOn(_logger, _options.ReplicaId!, Volatile.Read(ref _electedTerm), term);
                    await Task.Delay(TimeSpan.FromMilliseconds(_options.UpperElectionTimeoutMs), lease).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    if (!lease.IsCancellationRequested)
                    {
                        await ((DotNext.Net.Cluster.ICluster)cluster).ResignAsync(stopping);
                    }

                    continue;
                }

                using var barrier = CancellationTokenSource.CreateLinkedTokenSource(lease, stopping);
                barrier.CancelAfter(_options.ReplicationTimeout);
                // An empty entry of our own term: once it is applied here, so is every entry committed before it,
                // and the database shows all that earlier leaders decided.
                await cluster.ReplicateAsync(new BinaryLogEntry { Content = ReadOnlyMemory<byte>.Empty, Term = term }, barrier.Token);
                // Committed is not applied (DotNext applies in the background): wait until it is, and until the database
                // shows it, however long the database takes to come back, as long as we lead.
                using (var applied = CancellationTokenSource.CreateLinkedTokenSource(lease, stopping))
                {
                    await _log!.WaitForApplyAsync(_log.LastCommittedEntryIndex, applied.Token);
                    // It wrote behind its log: the database must show every earlier term's decision before this term's
                    // first queries (the re-drive, the supervisor) read it.
                    await _stateMachine!.FlushAsync(applied.Token);
                }

                // Whatever this replica deferred or knew of an earlier term is not in the log, and may contradict it
                // once another leader has written; and a change made from it, by a caller preempted across this
                // takeover, is refused (PendingChanges.FailStale).
                var epoch = Interlocked.Read(ref _epoch) + 1;
                Applied.ResetDeferred(epoch);
                Leadership.Start(epoch);
                Volatile.Write(ref _deciding, new DecidingTerm(epoch, term, lease));
                Interlocked.Exchange(ref _epoch, epoch);
                LogMessages.TookOver(_logger, _options.ReplicaId!, term, _log!.LastAppliedIndex);
                await Task.Delay(Timeout.Infinite, lease).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                StopDeciding();
                if (!stopping.IsCancellationRequested)
                {
                    LogMessages.SteppedDown(_logger, _options.ReplicaId!, cluster.Term);
                }
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                // Deposed during the barrier, or no majority in time: wait for the next election.
                StopDeciding();
                LogMessages.TakeoverFailed(_logger, _options.ReplicaId!, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(_options.LowerElectionTimeoutMs), stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // A replica whose log failed would stay in the group doing nothing (as leader, holding the lease without deciding):
    // it stops, for its supervisor to restart it.
    private async Task WatchLogAsync(CancellationToken stopping)
    {
        if (await WriteAheadLogFailure.WaitAsync(_log!, stopping) is { } failure)
        {
            LogMessages.LogFailed(_logger, _options.ReplicaId!, LogFailedExitCode, failure);
            StopDeciding();
            Environment.ExitCode = LogFailedExitCode;
            _lifetime.StopApplication();
        }
    }

    private void StopDeciding()
    {
        Volatile.Write(ref _deciding, DecidingTerm.None);
        Applied.ResetDeferred(0);
        Leadership.End();
    }

    private async Task FlushLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.DatabaseWriteDelay);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    await _stateMachine!.FlushAsync(stopping);
                }
                catch (Exception ex) when (!stopping.IsCancellationRequested)
                {
                    // The images stay held and the next tick tries again; the log still has them in any case.
                    LogMessages.FlushFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task BatchLoopAsync(CancellationToken stopping)
    {
        var batch = new List<PendingChange>(_options.MaxBatch);
        try
        {
            while (await _changes.TakeAsync(batch, _options.MaxBatch, stopping))
            {
                await ReplicateBatchAsync(batch, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        _changes.FailQueued();
    }

    private async Task ReplicateBatchAsync(List<PendingChange> batch, CancellationToken stopping)
    {
        var deciding = Volatile.Read(ref _deciding);
        var decidingToken = deciding.Token;
        var committed = false;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping, decidingToken);
        timeout.CancelAfter(_options.ReplicationTimeout);
        try
        {
            if (decidingToken.IsCancellationRequested)
            {
                EnsureDeciding();
            }

            PendingChanges.FailStale(batch, deciding.Epoch);
            if (batch.Count == 0)
            {
                return;
            }

            var images = batch.ConvertAll(c => c.Image);
            var payload = JsonSerializer.SerializeToUtf8Bytes(images, TransactionImage.Json);
            var started = Stopwatch.GetTimestamp();
            // The images ride along as the entry's context: applying it here then needs no parsing (see the applier).
            await _cluster!.ReplicateAsync(
                new BinaryLogEntry { Content = payload, Term = deciding.RaftTerm, Context = new AppendedImages(payload, images) },
                timeout.Token);
            committed = true;
            // Committed is not applied: DotNext applies entries in the background. The engine reads its next change
            // from the applied copy and sends a decision as soon as this returns, so both wait until this replica has
            // applied the entry. Found by the chaos run: a leader that read a stale row sent Abort, then decided and
            // sent Commit.
            await _log!.WaitForApplyAsync(_log.LastCommittedEntryIndex, timeout.Token);
            _replicationLatency.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            _batchSizes.Add(batch.Count);
            CoordinatorDiagnostics.ReplicatedBatchSize.Record(batch.Count);
            foreach (var change in batch)
            {
                change.Done.TrySetResult();
            }
        }
        catch (Exception ex)
        {
            var failure = ex switch
            {
                CoordinatorUnavailableException e => e,
                NotLeaderException => new CoordinatorUnavailableException(
                    $"Replica '{_options.ReplicaId}' lost the leadership before a majority stored the change.", ex),
                OperationCanceledException when stopping.IsCancellationRequested => new CoordinatorUnavailableException(
                    "This coordinator replica is shutting down.", ex),
                OperationCanceledException when decidingToken.IsCancellationRequested => new CoordinatorUnavailableException(
                    $"Replica '{_options.ReplicaId}' lost the leadership before a majority stored the change.", ex),
                OperationCanceledException when committed => new CoordinatorUnavailableException(
                    $"A majority stored the change, but this replica's database did not apply it within {_options.ReplicationTimeout.TotalSeconds:0.#} s; its outcome follows once it does.", ex),
                OperationCanceledException => new CoordinatorUnavailableException(
                    $"No majority of the {_options.Members.Count} replicas stored the change within {_options.ReplicationTimeout.TotalSeconds:0.#} s.", ex),
                _ => new CoordinatorUnavailableException($"Replication failed: {ex.Message}", ex),
            };
            foreach (var change in batch)
            {
                change.Done.TrySetException(failure);
            }
        }
    }

    [LoggerMessage(5009, LogLevel.Information, "Raft leader is now {Leader} (term {Term})")]
    private static partial void LeaderChanged(ILogger logger, string leader, long term);

    [LoggerMessage(5011, LogLevel.Warning, "Replica '{ReplicaId}' was elected in term {Elected}, but its term is {Term} already: it does not take over")]
    private static partial void TermMovedOn(ILogger logger, string replicaId, long elected, long term);

    /// <summary>The term this replica decides in: its epoch, the Raft term its entries carry, and its lease.</summary>
    private sealed record DecidingTerm(long Epoch, long RaftTerm, CancellationToken Token)
    {
        public static readonly DecidingTerm None = new(0, 0, new CancellationToken(canceled: true));
    }
}
