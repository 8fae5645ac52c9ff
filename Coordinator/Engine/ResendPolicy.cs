namespace TxCoordinator.Coordinator.Engine;

/// <summary>How often unanswered messages are sent again and when a transaction counts as stuck.</summary>
public sealed record ResendPolicy(TimeSpan InitialDelay, TimeSpan MaxDelay, int StuckAfterAttempts)
{
    public static ResendPolicy From(CoordinatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.ResendInitialDelay, options.ResendMaxDelay, options.StuckAfterAttempts);
    }
}
