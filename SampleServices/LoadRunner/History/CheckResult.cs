namespace TxCoordinator.Samples.LoadRunner.History;

/// <summary>Which promise a violation breaks.</summary>
public enum Property
{
    /// <summary>An order happened at one participant and not the other, or against the coordinator's decision.</summary>
    Atomicity,

    /// <summary>The client was told "committed" and the order is not committed everywhere.</summary>
    Durability,

    /// <summary>Stock or money does not add up to what the committed orders took.</summary>
    Conservation,

    /// <summary>Prepared transactions or unreadable coordinator state left after the system quiesced.</summary>
    Leftovers,

    /// <summary>Two coordinator replicas finished the same transaction differently: their logs parted.</summary>
    Agreement,

    /// <summary>The history itself is incomplete (no start or final record): nothing can be shown.</summary>
    History,
}

/// <summary>One broken promise, described for a person.</summary>
public sealed record Violation(Property Property, string Description)
{
    public override string ToString() => $"{Property}: {Description}";
}

/// <summary>Time from a leader fault until an order placed after it committed; null when none did.</summary>
public sealed record Recovery(FaultRecord Fault, double? Seconds);

/// <summary>The checker's verdict over one history.</summary>
/// <param name="InDoubt">Transactions still unfinished (coordinator) or prepared (participants) at the in-doubt count.</param>
public sealed record CheckResult(
    int Transactions,
    int Committed,
    int Aborted,
    int Indeterminate,
    IReadOnlyList<Violation> Violations,
    int InDoubt,
    IReadOnlyList<Recovery> Recoveries,
    IReadOnlyList<FaultRecord> Faults)
{
    /// <summary>The slowest recovery in seconds; infinity when some leader fault was never followed by a commit.</summary>
    public double? MaxRecoverySeconds =>
        Recoveries.Count == 0 ? null
        : Recoveries.Any(r => r.Seconds is null) ? double.PositiveInfinity
        : Recoveries.Max(r => r.Seconds!.Value);
}
