namespace TxCoordinator.Bench.Measurement;

/// <summary>How one transaction (or round trip) ended.</summary>
public enum OpOutcome
{
    /// <summary>Done everywhere.</summary>
    Committed,

    /// <summary>Refused for a business reason (sold out, declined card) and undone everywhere: a result, not an error.</summary>
    Aborted,

    /// <summary>An infrastructure failure or timeout: counted, never hidden in the throughput.</summary>
    Failed,
}
