namespace TxCoordinator.Participants.Branches;

/// <summary>This process's view of one transaction: its lock and, while work is open, the local transaction.</summary>
internal sealed class Branch(Guid transactionId, string gid)
{
    public Guid TransactionId { get; } = transactionId;

    public string Gid { get; } = gid;

    /// <summary>Serialises work, Prepare, Commit, Abort, expiry and recovery of this transaction.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The open local transaction; read and written only while <see cref="Gate"/> is held.</summary>
    public LocalTransaction? Local { get; set; }

    /// <summary>Callers waiting for or holding <see cref="Gate"/>; guarded by the registry's lock.</summary>
    public int References { get; set; }

    /// <summary>Takes the local transaction out of the branch so that no one else finishes it too.</summary>
    public LocalTransaction? Detach()
    {
        var local = Local;
        Local = null;
        return local;
    }
}
