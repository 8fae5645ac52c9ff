using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Tests.Engine;

public sealed class BackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(4, 8)]
    [InlineData(5, 16)]
    [InlineData(6, 30)] // 32 s, capped
    [InlineData(7, 30)]
    public void Delay_AttemptsSoFar_DoublesFromTheInitialDelayUpToTheCap(int attemptsSoFar, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Backoff.Delay(attemptsSoFar, Initial, Max));
    }

    [Fact]
    public void Delay_SubSecondInitialDelay_DoublesExactly()
    {
        var initial = TimeSpan.FromMilliseconds(50);

        Assert.Equal(
            [50, 100, 200, 400, 800, 1000, 1000],
            Enumerable.Range(1, 7).Select(a => Backoff.Delay(a, initial, TimeSpan.FromSeconds(1)).TotalMilliseconds).ToArray());
    }

    [Fact]
    public void Delay_OneToAThousandAttempts_NeverShrinksAndNeverExceedsTheCap()
    {
        var previous = TimeSpan.Zero;
        for (var attempts = 1; attempts <= 1000; attempts++)
        {
            var delay = Backoff.Delay(attempts, Initial, Max);
            Assert.InRange(delay, previous, Max);
            previous = delay;
        }

        Assert.Equal(Max, previous);
    }

    [Theory]
    [InlineData(21)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(1025)]
    [InlineData(int.MaxValue)]
    public void Delay_HugeAttemptCount_IsTheCapNotAnOverflow(int attemptsSoFar)
    {
        Assert.Equal(Max, Backoff.Delay(attemptsSoFar, Initial, Max));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Delay_NegativeAttemptCount_IsTheInitialDelay(int attemptsSoFar)
    {
        Assert.Equal(Initial, Backoff.Delay(attemptsSoFar, Initial, Max));
    }

    [Fact]
    public void Delay_CapBeyondWhatDoublingReaches_StopsDoublingAfterTwentySteps()
    {
        // 2^20 × 1 ms is about 17.5 minutes; the cap of one day is never reached, and the result stays positive.
        var delay = Backoff.Delay(int.MaxValue, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));

        Assert.Equal(TimeSpan.FromMilliseconds(1 << 20), delay);
    }

    [Fact]
    public void Delay_LargestTimeSpans_SaturatesInsteadOfWrappingNegative()
    {
        var delay = Backoff.Delay(int.MaxValue, TimeSpan.FromDays(10_000), TimeSpan.MaxValue);

        Assert.True(delay > TimeSpan.Zero, $"delay was {delay}");
        Assert.Equal(TimeSpan.MaxValue, delay);
    }
}
