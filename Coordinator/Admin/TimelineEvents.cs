namespace TxCoordinator.Coordinator.Admin;

/// <summary>Names of <see cref="TimelineEvent.Event"/>, in the order events at the same instant are listed.</summary>
public static class TimelineEvents
{
    public const string Created = "created";
    public const string Enlisted = "enlisted";
    public const string PrepareSent = "prepare-sent";
    public const string Voted = "voted";
    public const string Operator = "operator";
    public const string Decided = "decided";
    public const string Acknowledged = "acknowledged";
    public const string Completed = "completed";

    internal static int Rank(string name) => name switch
    {
        Created => 0,
        Enlisted => 1,
        PrepareSent => 2,
        Voted => 3,
        Operator => 4,
        Decided => 5,
        Acknowledged => 6,
        _ => 7,
    };
}
