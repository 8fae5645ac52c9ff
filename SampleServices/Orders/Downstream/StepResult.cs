namespace TxCoordinator.Samples.Orders.Downstream;

/// <summary>What a participant service answered: accepted, or refused for a business reason (which aborts the order).</summary>
public sealed record StepResult(bool Accepted, string? Reason)
{
    public static StepResult Ok { get; } = new(true, null);

    public static StepResult Refused(string reason) => new(false, reason);
}
