using System.Collections.Concurrent;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.Coordinator.StateMachine;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// The unfinished transactions as this replica last applied them. The leader changes a transaction a few times per
/// commit (enlistments, votes, acknowledgements, resends); with this copy it neither reads the record from PostgreSQL
/// before each change nor reads it back afterwards to see that its own image was the one applied. The applier keeps
/// both with the same rule (per transaction, the first image of the highest revision wins); the copy runs ahead of the
/// database, which a replica writes behind (<see cref="ReplicatedStateMachine"/>). A finished transaction leaves the copy, but its
/// final revision and state are remembered for a while: a late image of the same revision cannot bring it back, and
/// the leader need not read them back from the database after finishing it. A restarted replica gets the unfinished
/// transactions of its snapshot when the snapshot is restored, then the log's; for finished ones no longer remembered,
/// the database answers. The copy is what snapshots are taken from (<see cref="ReplicatedStateMachine"/>), so it must
/// hold every unfinished transaction applied.
/// <para>
/// The leader also keeps changes it did not replicate (<see cref="Defer"/>): an enlistment, the move to Preparing
/// (and resends of its Prepares), or a vote or an acknowledgement that decides nothing, needs no Raft round of its own
/// (a new leader resends Prepare to whoever has not voted, Commit or Abort to whoever has not acknowledged, and aborts
/// the Active transactions it did not begin: see <see cref="LeaderTerm"/>). A deferred change keeps the revision it
/// was made on, so the next replicated change of that transaction, made from it, is checked against the log exactly
/// like any other; any applied image of that revision or later supersedes it, and it is dropped whenever leadership
/// changes.
/// </para>
/// </summary>
internal sealed class AppliedTransactions
{
    // Far more than can finish while a stale image is still in flight (a replication times out after seconds).
    private const int FinishedRemembered = 100_000;

    private readonly ConcurrentDictionary<Guid, TransactionImage> _unfinished = new();
    private readonly ConcurrentDictionary<Guid, DeferredChange> _deferred = new();
    private readonly ConcurrentDictionary<Guid, FinalState> _finished = new();
    private readonly Queue<Guid> _finishedInOrder = new();

    // The term whose changes may be deferred, 0 for none. A change deferred by a caller of an earlier term, preempted
    // past the reset, carries that term's epoch and is never returned.
    private long _deferringEpoch;

    /// <summary>Unfinished transactions held.</summary>
    public int Count => _unfinished.Count;

    /// <summary>Transactions with a change this leader made but did not replicate.</summary>
    public int DeferredCount => _deferred.Count;

    /// <summary>Records the images of one applied log entry, in log order. Called by the applier only.</summary>
    public void Apply(IEnumerable<TransactionImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        foreach (var image in images)
        {
            if (_deferred.TryGetValue(image.Id, out var deferred) && deferred.Image.Revision <= image.Revision)
            {
                // Made from what the log now holds, or overtaken by it: either way the log's image counts.
                _deferred.TryRemove(new KeyValuePair<Guid, DeferredChange>(image.Id, deferred));
            }

            if ((_finished.TryGetValue(image.Id, out var final) && final.Revision >= image.Revision)
                || (_unfinished.TryGetValue(image.Id, out var held) && held.Revision >= image.Revision))
            {
                continue; // the database keeps what it has too
            }

            if (!TransactionStateMachine.IsFinal(image.State))
            {
                _unfinished[image.Id] = image;
                continue;
            }

            _unfinished.TryRemove(image.Id, out _);
            if (_finished.TryAdd(image.Id, new FinalState(image.Revision, image.State)))
            {
                _finishedInOrder.Enqueue(image.Id);
                if (_finishedInOrder.Count > FinishedRemembered)
                {
                    _finished.TryRemove(_finishedInOrder.Dequeue(), out _);
                }
            }
            else
            {
                _finished[image.Id] = new FinalState(image.Revision, image.State);
            }
        }
    }

    /// <summary>Every unfinished transaction as last applied, without the leader's deferred changes: the log's state.</summary>
    public IEnumerable<TransactionImage> Unfinished => _unfinished.Values;

    /// <summary>The image last applied for an unfinished transaction; null when it is finished or not held.</summary>
    public TransactionImage? Latest(Guid transactionId) =>
        _unfinished.TryGetValue(transactionId, out var image) ? image : null;

    /// <summary>
    /// A new, changeable record of the transaction as the leader last changed it (deferred or applied), or null when it
    /// is finished or not held.
    /// </summary>
    public TransactionRecord? Find(Guid transactionId) => (Deferred(transactionId) ?? Latest(transactionId))?.ToRecord();

    /// <summary>Every unfinished transaction held, each as the leader last changed it (deferred or applied).</summary>
    public IEnumerable<TransactionImage> Held()
    {
        var deferred = DeferredNow().ToList();
        var ids = deferred.Select(image => image.Id).ToHashSet();
        return _unfinished.Values.Where(image => !ids.Contains(image.Id)).Concat(deferred);
    }

    /// <summary>
    /// Keeps a change of an unfinished transaction that is not replicated, made in term <paramref name="epoch"/>: it is
    /// what <see cref="Find"/> returns until an applied image of its revision or later, or <see cref="ResetDeferred"/>,
    /// supersedes it. False (nothing kept) when that term is not the one deferring now.
    /// </summary>
    public bool Defer(TransactionImage image, long epoch)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (TransactionStateMachine.IsFinal(image.State))
        {
            throw new ArgumentException("A finished transaction's change is always replicated.", nameof(image));
        }

        if (epoch == 0 || epoch != Volatile.Read(ref _deferringEpoch))
        {
            return false;
        }

        _deferred[image.Id] = new DeferredChange(image, epoch);
        return true;
    }

    /// <summary>
    /// Unfinished transactions held (as the leader last changed them) that are Active or Preparing past their deadline,
    /// or past Active with a participant that has not acknowledged a message last sent before
    /// <paramref name="sentBefore"/> (or never sent): the supervisor's query of the database, over what the database
    /// may not show yet.
    /// </summary>
    public IReadOnlyList<Guid> Due(DateTimeOffset now, DateTimeOffset sentBefore) =>
    [
        .. Held()
            .Where(image => (image.State is TransactionState.Active or TransactionState.Preparing && image.Deadline <= now)
                || (image.State != TransactionState.Active
                    && image.Participants.Exists(p => p.AcknowledgedAt is null && (p.LastSentAt is null || p.LastSentAt <= sentBefore))))
            .Select(image => image.Id),
    ];

    /// <summary>
    /// Drops every deferred change; from now on only changes made in term <paramref name="epoch"/> are kept (none for
    /// 0). Called whenever this coordinator starts or stops deciding.
    /// </summary>
    public void ResetDeferred(long epoch)
    {
        Volatile.Write(ref _deferringEpoch, 0);
        _deferred.Clear();
        Volatile.Write(ref _deferringEpoch, epoch);
    }

    private TransactionImage? Deferred(Guid transactionId) =>
        _deferred.TryGetValue(transactionId, out var deferred) && deferred.Epoch == Volatile.Read(ref _deferringEpoch)
            ? deferred.Image
            : null;

    private IEnumerable<TransactionImage> DeferredNow()
    {
        var epoch = Volatile.Read(ref _deferringEpoch);
        return _deferred.Values.Where(deferred => deferred.Epoch == epoch).Select(deferred => deferred.Image);
    }

    /// <summary>
    /// Drops all that is held of one transaction, deferred change included, so that the database answers for it: for
    /// a lone coordinator whose write of it was refused (the database held that revision already), and for a replica
    /// installing the leader's snapshot, which lacks it because it finished while the replica was behind. Called by
    /// the applier only.
    /// </summary>
    public void Forget(Guid transactionId)
    {
        _deferred.TryRemove(transactionId, out _);
        _unfinished.TryRemove(transactionId, out _);
        _finished.TryRemove(transactionId, out _); // its id stays queued: dequeued later, it just removes nothing
    }

    /// <summary>Drops everything held: for a lone coordinator that lost its hold on the database. Called by the applier only.</summary>
    public void Clear()
    {
        _deferred.Clear();
        _unfinished.Clear();
        _finished.Clear();
        _finishedInOrder.Clear();
    }

    /// <summary>The revision and state a finished transaction was applied with; null when not remembered.</summary>
    public FinalState? Final(Guid transactionId) =>
        _finished.TryGetValue(transactionId, out var final) ? final : null;

    private sealed record DeferredChange(TransactionImage Image, long Epoch);

    /// <summary>What is remembered of a finished transaction.</summary>
    public readonly record struct FinalState(long Revision, TransactionState State);
}
