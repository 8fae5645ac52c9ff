using System.Collections.Concurrent;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// What the leader knows of its own term beyond the log, and forgets when the term ends (see
/// <see cref="RaftReplica"/>): which transactions it began itself, and which have a change whose outcome it does not
/// know (a replication that failed or timed out may still commit).
/// </summary>
/// <remarks>
/// An enlistment is deferred (<see cref="AppliedTransactions.Defer"/>), so a leader that did not begin a transaction
/// cannot know all of its participants: the previous leader may have acknowledged enlistments that died with it (or
/// asked them to prepare, the move to Preparing being deferred too). Such a transaction is aborted rather than
/// committed, by a new leader as it takes over. And no change is deferred while an earlier change of the same
/// transaction may still commit: that change, applied later, would silently supersede the deferred one.
/// <para>
/// Every fact is recorded with the epoch (the count of terms, see <see cref="Engine.IImageLog.Epoch"/>) of the change
/// that taught it, and counts only in that term: a change that began in one term and finished after the next had
/// started (its caller preempted across the takeover) must not teach the new term that it began a transaction whose
/// enlistments the new term never saw.
/// </para>
/// </remarks>
internal sealed class LeaderTerm
{
    private readonly ConcurrentDictionary<Guid, long> _begun = new();
    private readonly ConcurrentDictionary<Guid, long> _uncertain = new();

    // 0 between terms: epochs count from 1.
    private long _epoch;

    /// <summary>The term whose knowledge this holds; 0 between terms.</summary>
    public long Epoch => Volatile.Read(ref _epoch);

    /// <summary>Called as this coordinator starts deciding: nothing of an earlier term holds.</summary>
    public void Start(long epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epoch);
        Volatile.Write(ref _epoch, 0);
        _begun.Clear();
        _uncertain.Clear();
        Volatile.Write(ref _epoch, epoch);
    }

    /// <summary>Called as this coordinator stops deciding.</summary>
    public void End()
    {
        Volatile.Write(ref _epoch, 0);
        _begun.Clear();
        _uncertain.Clear();
    }

    public void Begun(Guid transactionId, long epoch) => _begun[transactionId] = epoch;

    public void LeftActive(Guid transactionId) => _begun.TryRemove(transactionId, out _);

    /// <summary>Whether this leader began the transaction in its current term, and so knows every participant it enlisted.</summary>
    public bool KnowsEveryEnlistment(Guid transactionId) =>
        _begun.TryGetValue(transactionId, out var epoch) && epoch == Epoch && epoch != 0;

    /// <summary>A change of the transaction failed to replicate in time: it may still commit, or never.</summary>
    public void OutcomeUnknown(Guid transactionId, long epoch) => _uncertain[transactionId] = epoch;

    /// <summary>
    /// A later change of the transaction, made in <paramref name="epoch"/>, was applied: every earlier one of that
    /// term is applied or gone for good. A doubt of another term stays (it is dropped with its term).
    /// </summary>
    public void OutcomeKnown(Guid transactionId, long epoch) =>
        _uncertain.TryRemove(new KeyValuePair<Guid, long>(transactionId, epoch));

    /// <summary>Whether a change of the transaction may still commit; a doubt left by an earlier term counts too.</summary>
    public bool IsUncertain(Guid transactionId) => _uncertain.ContainsKey(transactionId);
}
