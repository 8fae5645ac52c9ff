using DotNext.Threading;
using TxCoordinator.Coordinator.Cluster;

namespace TxCoordinator.Coordinator.Tests.Cluster;

/// <summary>
/// The watch that stops a replica whose write-ahead log failed: it must see the failure even when DotNext's interruption
/// of the waiting caller is missed. The end-to-end cases (a real log whose applier fails) are in ReplicatedStateMachineTests.
/// </summary>
public sealed class WriteAheadLogFailureTests
{
    private static readonly TimeSpan Probe = TimeSpan.FromMilliseconds(100);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FailureWhileTheWatchWasNotQueued_IsFoundAtTheNextProbe()
    {
        var cause = new IOException("WAL page 46 doesn't exist on the disk");
        var calls = 0;
        // The first wait is never interrupted (the log failed while the watch was between two waits); asked again, the
        // log answers at once with the failure it keeps.
        async ValueTask WaitForApply(CancellationToken token)
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await Task.Delay(System.Threading.Timeout.Infinite, token);
            }

            throw new PendingTaskInterruptedException(innerException: cause);
        }

        var failure = await WriteAheadLogFailure.WaitAsync(WaitForApply, Probe, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Same(cause, failure);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task HealthyLog_IsAskedAgainEveryProbe_UntilStopped()
    {
        var calls = 0;
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        async ValueTask WaitForApply(CancellationToken token)
        {
            Interlocked.Increment(ref calls);
            await Task.Delay(System.Threading.Timeout.Infinite, token);
        }

        var watching = WriteAheadLogFailure.WaitAsync(WaitForApply, Probe, stopping.Token);
        await Task.Delay(Probe * 5, Ct);
        Assert.False(watching.IsCompleted);
        await stopping.CancelAsync();

        Assert.Null(await watching.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.InRange(Volatile.Read(ref calls), 2, 10);
    }
}
