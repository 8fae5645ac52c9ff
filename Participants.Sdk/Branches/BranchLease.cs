namespace TxCoordinator.Participants.Branches;

/// <summary>Exclusive hold on one <see cref="Branch"/>; disposing it lets the next caller in.</summary>
internal sealed class BranchLease(BranchRegistry registry, Branch branch) : IDisposable
{
    private int _released;

    public Branch Branch { get; } = branch;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            registry.Release(Branch);
        }
    }
}
