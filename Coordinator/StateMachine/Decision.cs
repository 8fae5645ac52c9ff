namespace TxCoordinator.Coordinator.StateMachine;

public enum DecisionKind
{
    /// <summary>Votes are still missing and the deadline has not passed.</summary>
    Pending,
    Commit,
    Abort,
}

/// <summary>What the votes collected so far decide.</summary>
public readonly record struct Decision(DecisionKind Kind, string? Reason = null)
{
    public static Decision Pending { get; } = new(DecisionKind.Pending);

    public static Decision Commit { get; } = new(DecisionKind.Commit);

    public static Decision Abort(string reason) => new(DecisionKind.Abort, reason);
}
