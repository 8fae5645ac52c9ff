using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Diagnostics;
using TxCoordinator.Coordinator.Messaging;
using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Engine;

/// <summary>
/// Runs the protocol of <see cref="TransactionSteps"/> against PostgreSQL and the bus: every change is loaded,
/// applied and saved under the transaction's lock with optimistic concurrency, and messages are sent only once
/// the change that caused them is durable.
/// </summary>
internal sealed partial class TransactionEngine
{
    private const int MaxConcurrencyAttempts = 3;
    private const int MaxMetadataEntries = 32;
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(5);

    private readonly IDbContextFactory<CoordinatorDbContext> _databases;
    private readonly IDecisionLog _log;
    private readonly ParticipantMessenger _messenger;
    private readonly TransactionLocks _locks;
    private readonly DecisionSignals _signals;
    private readonly CoordinatorOptions _options;
    private readonly FaultInjectionOptions _faults;
    private readonly TimeProvider _time;
    private readonly ILogger<TransactionEngine> _logger;

    public TransactionEngine(
        IDbContextFactory<CoordinatorDbContext> databases,
        IDecisionLog log,
        ParticipantMessenger messenger,
        TransactionLocks locks,
        DecisionSignals signals,
        IOptions<CoordinatorOptions> options,
        IOptions<FaultInjectionOptions> faults,
        TimeProvider time,
        ILogger<TransactionEngine> logger)
    {
        _databases = databases;
        _log = log;
        _messenger = messenger;
        _locks = locks;
        _signals = signals;
        _options = options.Value;
        _faults = faults.Value;
        _time = time;
        _logger = logger;
    }

    public async Task<TransactionView> BeginAsync(
        TimeSpan? timeout, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken = default)
    {
        var effective = timeout ?? _options.DefaultTimeout;
        if (effective <= TimeSpan.Zero || effective > _options.MaxTimeout)
        {
            throw new InvalidTransactionRequestException(
                "timeoutSeconds", $"The timeout must be greater than 0 and at most {_options.MaxTimeout.TotalSeconds} seconds.");
        }

        ValidateMetadata(metadata);
        _log.EnsureDeciding();
        var epoch = _log.Epoch;
        var now = _time.GetUtcNow();
        var tx = new TransactionRecord
        {
            Id = Guid.CreateVersion7(now),
            CreatedAt = now,
            Deadline = now + effective,
            DurableEnlistments = _options.DurableEnlistments,
            Metadata = metadata is null ? [] : new Dictionary<string, string>(metadata, StringComparer.Ordinal),
        };

        tx.NextRevision();
        return await TracedAsync(CoordinatorDiagnostics.StartOperation(CoordinatorDiagnostics.Spans.Begin, tx.Id), async activity =>
        {
            using var scope = LogMessages.TransactionScope(_logger, tx.Id);
            await _log.CommitAsync(tx, epoch, cancellationToken);
            activity?.SetTag(CoordinatorDiagnostics.Tags.State, tx.State.ToString());
            CoordinatorDiagnostics.TransactionsBegun.Add(1);
            LogMessages.TransactionBegun(_logger, tx.Id, tx.Deadline);
            return tx.ToView();
        });
    }

    public async Task<TransactionView> GetAsync(Guid transactionId, CancellationToken cancellationToken = default)
    {
        // A replicated leader's copy of an unfinished transaction includes what it deferred (enlistments, votes).
        if (_log.FindApplied(transactionId) is { } held)
        {
            return held.ToView();
        }

        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var tx = await db.Transactions.AsNoTracking().Include(t => t.Participants)
            .SingleOrDefaultAsync(t => t.Id == transactionId, cancellationToken);
        return tx?.ToView() ?? throw new TransactionNotFoundException(transactionId);
    }

    public Task<TransactionView> EnlistAsync(
        Guid transactionId, string participantId, string endpoint, Vote? vote = null, CancellationToken cancellationToken = default)
    {
        if (participantId is null || !ParticipantIdPattern().IsMatch(participantId))
        {
            throw new InvalidTransactionRequestException(
                "participantId", "participantId must be 1-64 characters: lower-case letters, digits, '-' or '_', starting with a letter or digit.");
        }

        if (endpoint is null || !Regex.IsMatch(endpoint, QueueNames.Pattern))
        {
            throw new InvalidTransactionRequestException(
                "endpoint", "endpoint must be a queue name of 1-200 characters: letters, digits, '.', '_', ':' or '-'.");
        }

        if (vote is not (null or Vote.Yes or Vote.ReadOnly))
        {
            throw new InvalidTransactionRequestException(
                "vote", "vote must be Yes (the work is prepared) or ReadOnly (it changed nothing), or absent; a participant whose work failed does not enlist.");
        }

        return TracedAsync(CoordinatorDiagnostics.StartOperation(CoordinatorDiagnostics.Spans.Enlist, transactionId, participantId), async _ =>
        {
            var (view, aborted) = await MutateAsync(transactionId, (tx, now, outbox) => Enlist(tx, participantId, endpoint, vote, now, outbox),
                cancellationToken, deferrable: true);
            return aborted
                ? throw new TransactionConflictException(transactionId, view.State, $"Transaction {transactionId} was aborted: {LostEnlistmentsReason}.", LostEnlistmentsReason)
                : view;
        });
    }

    private (TransactionView View, bool Aborted) Enlist(
        TransactionRecord tx, string participantId, string endpoint, Vote? vote, DateTimeOffset now, List<OutboundMessage> outbox)
    {
        var existing = tx.FindParticipant(participantId);
        if (existing is not null)
        {
            if (existing.Endpoint != endpoint)
            {
                throw new TransactionConflictException(tx.Id, tx.State,
                    $"Participant '{participantId}' is already enlisted with endpoint '{existing.Endpoint}'.");
            }

            // Enlisting again is idempotent, a vote repeated too (an answer lost on its way back): whatever happened since.
            if (vote is null || existing.Vote == vote)
            {
                return (tx.ToView(), false);
            }

            if (existing.Vote is not null)
            {
                throw new TransactionConflictException(tx.Id, tx.State,
                    $"Participant '{participantId}' has already voted {existing.Vote} in transaction {tx.Id}.");
            }
        }

        if (tx.State != TransactionState.Active)
        {
            throw new TransactionConflictException(tx.Id, tx.State,
                $"Transaction {tx.Id} is {tx.State}; participants can only enlist while it is Active.", tx.AbortReason);
        }

        if (now >= tx.Deadline)
        {
            throw new TransactionConflictException(tx.Id, tx.State, $"Transaction {tx.Id} has timed out and is being aborted.");
        }

        if (AbortIfEnlistmentsLost(tx, now, outbox))
        {
            return (tx.ToView(), true);
        }

        var participant = existing;
        if (participant is null)
        {
            participant = new ParticipantRecord
            {
                TransactionId = tx.Id,
                ParticipantId = participantId,
                Endpoint = endpoint,
                EnlistedAt = now,
            };
            tx.Participants.Add(participant);
            LogMessages.ParticipantEnlisted(_logger, participantId, tx.Id, endpoint);
        }

        if (vote is { } early)
        {
            TransactionSteps.RecordUnsolicitedVote(tx, participant, early, now);
            LogMessages.UnsolicitedVote(_logger, participantId, tx.Id, early);
        }

        return (tx.ToView(), false);
    }

    /// <summary>Whether the transaction asks for <paramref name="fault"/> and faults are honoured here.</summary>
    private bool Requests(TransactionRecord tx, string fault) =>
        _faults.Enabled && tx.Metadata.GetValueOrDefault(FaultInjectionOptions.MetadataKey) == fault;

    private const string LostEnlistmentsReason =
        "the coordinator restarted or its leader changed while it was active, and participants that enlisted before may be unknown to it now";

    /// <summary>
    /// Aborts an Active transaction whose participants this coordinator cannot all know (begun under a previous
    /// leader, which may have acknowledged enlistments it never logged, or even sent Prepares for a move to Preparing
    /// it never logged): committing it could leave one out.
    /// </summary>
    private bool AbortIfEnlistmentsLost(TransactionRecord tx, DateTimeOffset now, List<OutboundMessage> outbox)
    {
        if (tx.State != TransactionState.Active || _log.KnowsEveryEnlistment(tx))
        {
            return false;
        }

        TransactionSteps.Abort(tx, LostEnlistmentsReason, now, outbox);
        return true;
    }

    /// <summary>
    /// Loads the transaction under its lock, applies <paramref name="change"/>, makes it durable through the decision
    /// log, then sends what the change put in the outbox and wakes whoever waits for its outcome. A change made from a
    /// copy older than the log (another change of the transaction, given up by its caller, went in after all) is not
    /// applied; it is then redone on fresh data, a bounded number of times. Nothing is sent by a coordinator that has
    /// stopped deciding meanwhile: its successor (or its own next term) re-drives.
    /// With <paramref name="deferrable"/> (an enlistment, a vote, an acknowledgement, the commit request), a change that
    /// decides nothing (<see cref="DecidesNothing"/>) may be kept without a replication round
    /// (<see cref="IDecisionLog.TryDefer"/>): should it be lost with the leader, the new leader asks for the vote or the
    /// acknowledgement again, and aborts a transaction whose enlistments or commit request it cannot know.
    /// </summary>
    private async Task<T> MutateAsync<T>(
        Guid transactionId, Func<TransactionRecord, DateTimeOffset, List<OutboundMessage>, T> change, CancellationToken cancellationToken,
        bool deferrable = false)
    {
        _log.EnsureDeciding();
        using var logScope = LogMessages.TransactionScope(_logger, transactionId);
        for (var attempt = 1; ; attempt++)
        {
            var outbox = new List<OutboundMessage>();
            T result;
            using (await _locks.AcquireAsync(transactionId, cancellationToken))
            {
                // Read before the transaction is: the change counts only in the term it was made from.
                var epoch = _log.Epoch;
                // Never change a row older than the log (its applying may lag, e.g. while PostgreSQL restarts).
                await _log.CatchUpAsync(cancellationToken);
                var tx = await LoadAsync(transactionId, cancellationToken);
                var before = TransactionImage.Of(tx);
                var stateBefore = tx.State;
                result = change(tx, _time.GetUtcNow(), outbox);
                if (TransactionImage.SameContent(before, TransactionImage.Of(tx)))
                {
                    // Nothing changed (a duplicate vote, say): nothing to log, nothing to send.
                    CoordinatorDiagnostics.TagState(tx.State, stateBefore, tx.AbortReason);
                    return result;
                }

                if (stateBefore == TransactionState.Active && tx.State is TransactionState.Aborting or TransactionState.Aborted
                    && !_log.KnowsEveryEnlistment(tx))
                {
                    // However it is aborted (on taking over, at its deadline, on request), its Aborts reach only the
                    // participants this coordinator knows. One it may not know holds a prepared branch, and the rows it
                    // locks, until its recovery's grace period: every participant hears of the abort, and one holding a
                    // branch of it resolves that at once.
                    outbox.Add(OutboundMessage.Announcement(tx.Id, new TransactionAbortAnnounced(tx.Id)));
                }

                if (deferrable && DecidesNothing(tx, stateBefore, before.Participants.Count, outbox) && _log.TryDefer(tx, epoch))
                {
                    CoordinatorDiagnostics.DeferredChanges.Add(1);
                }
                else
                {
                    tx.NextRevision();
                    try
                    {
                        await _log.CommitAsync(tx, epoch, cancellationToken);
                    }
                    catch (DbUpdateConcurrencyException) when (attempt < MaxConcurrencyAttempts)
                    {
                        LogMessages.ConcurrencyRetry(_logger, transactionId, attempt);
                        continue;
                    }

                    if (tx.State != stateBefore)
                    {
                        // Before anyone hears of the decision, not even the initiator waiting for it.
                        if (stateBefore is TransactionState.Active or TransactionState.Preparing
                            && tx.State is TransactionState.Committing or TransactionState.Aborting
                            && Requests(tx, FaultInjectionOptions.CrashAfterDecision))
                        {
                            LogMessages.InjectedCrash(_logger, tx.Id, tx.State);
                            System.Diagnostics.Process.GetCurrentProcess().Kill();
                        }

                        OnStateChanged(tx, stateBefore);
                    }
                }

                CoordinatorDiagnostics.TagState(tx.State, stateBefore, tx.AbortReason);
            }

            if (!_log.IsDeciding || outbox.Count == 0)
            {
                return result;
            }

            // Sent outside the lock: the change is durable (or deferred: see DecidesNothing), and a slow broker must
            // not stall the votes and acknowledgements of this transaction. The send is bounded; the supervisor resends.
            using var sendTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            sendTimeout.CancelAfter(SendTimeout);
            await _messenger.SendAsync(outbox, sendTimeout.Token);
            return result;
        }
    }

    /// <summary>
    /// Whether losing the change with the leader costs time or an abort, never an outcome: an enlistment, a vote or an
    /// acknowledgement that moves the transaction nowhere and sends nothing, or the commit request's move to Preparing
    /// and any resend of its Prepare messages (presumed abort: a new leader that does not know of it aborts the
    /// transaction, and a participant prepared meanwhile learns that from its recovery). An enlistment in a
    /// transaction with <see cref="TransactionRecord.DurableEnlistments"/> is never deferred: that abort is what it
    /// was begun to avoid. Its move to Preparing still is: a new leader finds it Active, with every participant, and
    /// the initiator's client asks it to commit again.
    /// </summary>
    private static bool DecidesNothing(TransactionRecord tx, TransactionState before, int enlistedBefore, List<OutboundMessage> outbox) =>
        !tx.IsFinal
        && !(tx.DurableEnlistments && tx.Participants.Count != enlistedBefore)
        && ((tx.State == before && outbox.Count == 0)
            || (before is TransactionState.Active or TransactionState.Preparing && tx.State == TransactionState.Preparing
                && outbox.TrueForAll(m => m.Message is PrepareTransaction)));

    // The in-memory copy holds every unfinished transaction of a replicated coordinator, so the database is read only
    // for a finished one (a late or duplicate message) and by a lone coordinator. Either way the record is a copy of
    // its own: nothing tracks it, the log's writer writes the row.
    private async Task<TransactionRecord> LoadAsync(Guid transactionId, CancellationToken cancellationToken)
    {
        if (_log.FindApplied(transactionId) is { } applied)
        {
            return applied;
        }

        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        return await db.Transactions.AsNoTracking().Include(t => t.Participants)
                   .SingleOrDefaultAsync(t => t.Id == transactionId, cancellationToken)
               ?? throw new TransactionNotFoundException(transactionId);
    }

    private void OnStateChanged(TransactionRecord tx, TransactionState before)
    {
        if (before is TransactionState.Active or TransactionState.Preparing
            && tx.State is TransactionState.Committing or TransactionState.Aborting or TransactionState.Committed or TransactionState.Aborted
            && !tx.OnePhase)
        {
            LogMessages.Decided(_logger, tx.Id, tx.State, tx.AbortReason);
        }

        if (tx.IsFinal)
        {
            RecordCompletion(tx);
            LogMessages.Completed(_logger, tx.Id, tx.State);
        }

        if (tx.ToOutcome() is { } outcome && (tx.IsFinal || !tx.OnePhase))
        {
            _signals.Signal(outcome);
        }
    }

    private static void RecordCompletion(TransactionRecord tx)
    {
        if (tx.State == TransactionState.Committed)
        {
            CoordinatorDiagnostics.TransactionsCommitted.Add(1);
            // Both instants are stored: this holds even when another replica took the decision.
            if (tx is { DecidedAt: { } decided, CompletedAt: { } completed } && completed > decided)
            {
                CoordinatorDiagnostics.CommitPhaseDuration.Record((completed - decided).TotalSeconds);
            }
        }
        else
        {
            CoordinatorDiagnostics.TransactionsAborted.Add(1,
                new KeyValuePair<string, object?>(CoordinatorDiagnostics.Tags.AbortReason, AbortReasonCategory.Of(tx.AbortReason)));
        }
    }

    /// <summary>Runs <paramref name="operation"/> inside <paramref name="activity"/> (when sampled), recording a failure on it.</summary>
    private static async Task<T> TracedAsync<T>(Activity? activity, Func<Activity?, Task<T>> operation)
    {
        using (activity)
        {
            try
            {
                return await operation(activity);
            }
            catch (Exception ex)
            {
                CoordinatorDiagnostics.RecordException(activity, ex);
                throw;
            }
        }
    }

    private static void ValidateMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null)
        {
            return;
        }

        if (metadata.Count > MaxMetadataEntries)
        {
            throw new InvalidTransactionRequestException("metadata", $"At most {MaxMetadataEntries} metadata entries are allowed.");
        }

        foreach (var (key, value) in metadata)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length > 64 || value is null || value.Length > 512)
            {
                throw new InvalidTransactionRequestException(
                    "metadata", "Metadata keys must be 1-64 characters and values at most 512 characters.");
            }
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex ParticipantIdPattern();
}
