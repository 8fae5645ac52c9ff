using TxCoordinator.Participants.Participation;

namespace TxCoordinator.Participants.Branches;

/// <summary>
/// In-memory registry of this process's transactions, keyed by transaction id. An entry lives while someone holds or
/// waits for its lock or while it has an open local transaction, so two callers never lock different entries.
/// </summary>
internal sealed class BranchRegistry(TimeProvider timeProvider)
{
    private readonly Dictionary<Guid, Branch> _branches = [];
    private readonly Lock _sync = new();

    /// <summary>Waits up to <paramref name="timeout"/> for the transaction's lock.</summary>
    /// <exception cref="ParticipantBusyException">The lock stayed taken for the whole timeout.</exception>
    public async Task<BranchLease> AcquireAsync(Guid transactionId, string gid, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var branch = Reference(transactionId, gid);
        try
        {
            using var timer = new CancellationTokenSource(timeout, timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            try
            {
                await branch.Gate.WaitAsync(linked.Token);
            }
            catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new ParticipantBusyException(transactionId, timeout);
            }
        }
        catch
        {
            Unreference(branch);
            throw;
        }

        return new BranchLease(this, branch);
    }

    /// <summary>Takes the lock only if it is free right now (for background sweeps that must not wait on user work).</summary>
    public BranchLease? TryAcquire(Guid transactionId, string gid)
    {
        var branch = Reference(transactionId, gid);
        if (branch.Gate.Wait(0))
        {
            return new BranchLease(this, branch);
        }

        Unreference(branch);
        return null;
    }

    /// <summary>Transactions whose local work is still open and whose deadline is before <paramref name="cutoff"/>.</summary>
    public IReadOnlyList<(Guid TransactionId, string Gid)> FindOpenBefore(DateTimeOffset cutoff)
    {
        lock (_sync)
        {
            return _branches.Values
                .Where(b => b.Local is { } local && local.Deadline < cutoff)
                .Select(b => (b.TransactionId, b.Gid))
                .ToList();
        }
    }

    /// <summary>Whether the transaction has open (not yet prepared) local work here.</summary>
    public bool IsOpen(Guid transactionId)
    {
        lock (_sync)
        {
            return _branches.TryGetValue(transactionId, out var branch) && branch.Local is not null;
        }
    }

    /// <summary>Number of transactions with open local work.</summary>
    public int OpenCount
    {
        get
        {
            lock (_sync)
            {
                return _branches.Values.Count(b => b.Local is not null);
            }
        }
    }

    internal void Release(Branch branch)
    {
        branch.Gate.Release();
        Unreference(branch);
    }

    private Branch Reference(Guid transactionId, string gid)
    {
        lock (_sync)
        {
            if (!_branches.TryGetValue(transactionId, out var branch))
            {
                branch = new Branch(transactionId, gid);
                _branches.Add(transactionId, branch);
            }

            branch.References++;
            return branch;
        }
    }

    private void Unreference(Branch branch)
    {
        lock (_sync)
        {
            branch.References--;
            if (branch.References == 0 && branch.Local is null)
            {
                _branches.Remove(branch.TransactionId);
            }
        }
    }
}
