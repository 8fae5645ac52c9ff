using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using DotNext.Threading;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// Notices when the write-ahead log's background work (applying committed entries, flushing pages, removing pages a
/// snapshot covers) has failed. DotNext then keeps the failure and refuses every later log operation for good: the
/// replica stays in the group but can neither apply nor replicate, and as leader it would keep its lease without ever
/// deciding. Nothing in the process recovers from that; a restart does (the log replays from the last snapshot).
/// </summary>
internal static class WriteAheadLogFailure
{
    /// <summary>
    /// Returns what made <paramref name="log"/> fail, once it has; null when <paramref name="stopping"/> is cancelled first.
    /// </summary>
    public static async Task<Exception?> WaitAsync(WriteAheadLog log, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(log);
        try
        {
            // No entry ever has this index: the wait ends only when the log fails (or we stop).
            await log.WaitForApplyAsync(long.MaxValue, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return null;
        }
        catch (PendingTaskInterruptedException interrupted)
        {
            // Waiting when it failed: DotNext interrupts the wait with its InternalException.
            return Cause(interrupted.Reason as Exception ?? interrupted);
        }
        catch (WriteAheadLog.InternalException failed)
        {
            // It had failed already.
            return Cause(failed);
        }

        return null;
    }

    private static Exception Cause(Exception failure) =>
        failure is WriteAheadLog.InternalException { InnerException: { } cause } ? cause : failure;
}
