namespace TxCoordinator.Coordinator.Engine;

/// <summary>Exponential backoff for resending unanswered messages: initial, 2×, 4×, … capped at max.</summary>
public static class Backoff
{
    public static TimeSpan Delay(int attemptsSoFar, TimeSpan initial, TimeSpan max)
    {
        if (attemptsSoFar <= 1)
        {
            return initial;
        }

        // Past 2^20 the cap has long been reached; stop doubling before the arithmetic overflows.
        var factor = Math.Pow(2, Math.Min(attemptsSoFar - 1, 20));
        var ticks = Math.Min(initial.Ticks * factor, max.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }
}
