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
    /// <summary>How often the log is asked again whether it failed, in case its interruption was missed.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Returns what made <paramref name="log"/> fail, once it has; null when <paramref name="stopping"/> is cancelled first.
    /// </summary>
    public static Task<Exception?> WaitAsync(WriteAheadLog log, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(log);
        // No entry ever has this index: the wait ends only when the log fails (or we stop).
        return WaitAsync(token => log.WaitForApplyAsync(long.MaxValue, token), ProbeInterval, stopping);
    }

    /// <summary>
    /// Waits through <paramref name="waitForApply"/>, asking again every <paramref name="probeInterval"/>. DotNext
    /// interrupts only the callers queued when its background work fails, and a caller woken by the previous entry's
    /// apply is not queued until it has checked its condition again: a failure in that moment went unnoticed, and the
    /// replica stayed in the group refusing everything (a chaos run: its flusher failed with "WAL page 46 doesn't exist
    /// on the disk", and no exit followed). A new call checks the failure DotNext keeps before it waits.
    /// </summary>
    internal static async Task<Exception?> WaitAsync(
        Func<CancellationToken, ValueTask> waitForApply, TimeSpan probeInterval, CancellationToken stopping)
    {
        while (true)
        {
            using var probe = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            probe.CancelAfter(probeInterval);
            try
            {
                await waitForApply(probe.Token);
                return null;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return null;
            }
            catch (OperationCanceledException) when (probe.IsCancellationRequested)
            {
                // Time to ask again.
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
        }
    }

    private static Exception Cause(Exception failure) =>
        failure is WriteAheadLog.InternalException { InnerException: { } cause } ? cause : failure;
}
