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
/// </remarks>
internal sealed class LeaderTerm
{
    private readonly ConcurrentDictionary<Guid, byte> _begun = new();
    private readonly ConcurrentDictionary<Guid, byte> _uncertain = new();

    public void Begun(Guid transactionId) => _begun.TryAdd(transactionId, 0);

    public void LeftActive(Guid transactionId) => _begun.TryRemove(transactionId, out _);

    /// <summary>Whether this leader began the transaction in this term, and so knows every participant it enlisted.</summary>
    public bool KnowsEveryEnlistment(Guid transactionId) => _begun.ContainsKey(transactionId);

    /// <summary>A change of the transaction failed to replicate in time: it may still commit, or never.</summary>
    public void OutcomeUnknown(Guid transactionId) => _uncertain.TryAdd(transactionId, 0);

    /// <summary>A later change of the transaction was applied: every earlier one is applied or gone for good.</summary>
    public void OutcomeKnown(Guid transactionId) => _uncertain.TryRemove(transactionId, out _);

    public bool IsUncertain(Guid transactionId) => _uncertain.ContainsKey(transactionId);

    /// <summary>Called whenever this replica starts or stops leading: nothing of an earlier term holds.</summary>
    public void Forget()
    {
        _begun.Clear();
        _uncertain.Clear();
    }
}
