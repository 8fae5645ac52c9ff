namespace TxCoordinator.Samples.LoadRunner;

/// <summary>What the client saw of an order.</summary>
public enum ClientOutcome
{
    Committed,
    Aborted,

    /// <summary>No answer, a timeout or an error status: the client cannot tell; the data must still be all-or-nothing.</summary>
    Failed,
}

/// <summary>One order's answer from <c>POST /orders</c> and how long it took.</summary>
public sealed record OrderResult(OrderPlan Plan, ClientOutcome Outcome, Guid? TransactionId, string? Reason, TimeSpan Latency);

/// <summary>All answers of a run and the run's wall-clock time.</summary>
public sealed record WorkloadResult(IReadOnlyList<OrderResult> Orders, TimeSpan WallTime);

/// <summary>Body of the Orders service's 200 answer.</summary>
public sealed record OrderResponse(Guid OrderId, Guid TransactionId, string? Outcome, string? Reason);
