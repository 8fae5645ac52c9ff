using TxCoordinator.Samples.LoadRunner.History;

namespace TxCoordinator.Samples.LoadRunner.Tests.History;

public sealed class RecoveryTimesTests
{
    private static InvokeRecord Invoke(Guid id, long wall) => new(id, OrderKind.Normal, "c1", "SKU-1", 1, 1m, 0, wall);

    private static CompleteRecord Complete(Guid id, ClientOutcome outcome, long wall) => new(id, outcome, Guid.NewGuid(), null, 0, wall, 0);

    [Fact]
    public void Compute_LeaderKill_MeasuresUntilTheFirstCommitOfAnOrderPlacedAfterIt()
    {
        Guid before = Guid.NewGuid(), failed = Guid.NewGuid(), slow = Guid.NewGuid(), fast = Guid.NewGuid();
        var history = RunHistory.From(
        [
            new FaultRecord("kill-leader", "r1", "leader", 10_000, 13_000),
            // Placed before the fault: its commit says nothing about recovery.
            Invoke(before, 9_000), Complete(before, ClientOutcome.Committed, 10_500),
            Invoke(failed, 10_100), Complete(failed, ClientOutcome.Failed, 12_000),
            // An order placed during the outage waits longest; one placed later commits first: commits resumed then.
            Invoke(slow, 10_200), Complete(slow, ClientOutcome.Committed, 14_500),
            Invoke(fast, 13_000), Complete(fast, ClientOutcome.Committed, 13_200),
        ]);

        var recovery = Assert.Single(RecoveryTimes.Compute(history));

        Assert.Equal(3.2, recovery.Seconds);
    }

    [Fact]
    public void Compute_FaultsOfOtherRoles_AreNotMeasured()
    {
        var history = RunHistory.From(
        [
            new FaultRecord("kill", "r2", "follower", 10_000, 13_000),
            new FaultRecord("restart", "rabbitmq", "server", 20_000, 23_000),
        ]);

        Assert.Empty(RecoveryTimes.Compute(history));
    }

    [Fact]
    public void Compute_NoCommitAfterTheFault_IsNeverAndMakesTheMaximumInfinite()
    {
        var order = Guid.NewGuid();
        var records = new List<HistoryRecord>
        {
            new FaultRecord("pause-leader", "r3", "leader", 10_000, 14_000),
            Invoke(order, 11_000), Complete(order, ClientOutcome.Failed, 12_000),
        };
        var history = RunHistory.From(records);

        var recovery = Assert.Single(RecoveryTimes.Compute(history));
        var result = HistoryChecker.Check(history);

        Assert.Null(recovery.Seconds);
        Assert.Equal(double.PositiveInfinity, result.MaxRecoverySeconds);
        Assert.Contains("max_recovery_s=inf", CheckReporter.ChaosLine(result), StringComparison.Ordinal);
    }
}
