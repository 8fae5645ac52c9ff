using System.Text.Json.Serialization;

namespace TxCoordinator.Samples.LoadRunner.History;

/// <summary>
/// One line of a run's history (JSON lines). The load runner writes the workload's lines and the snapshots, the chaos
/// script's nemesis writes the faults; the checker reads them all back. Times are Unix milliseconds (<c>wall</c>), the
/// one clock every process on the machine shares; <c>mono</c> is the load runner's own monotonic milliseconds.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(StartRecord), "start")]
[JsonDerivedType(typeof(InvokeRecord), "invoke")]
[JsonDerivedType(typeof(CompleteRecord), "complete")]
[JsonDerivedType(typeof(FaultRecord), "fault")]
[JsonDerivedType(typeof(HealRecord), "heal")]
[JsonDerivedType(typeof(OutstandingRecord), "outstanding")]
[JsonDerivedType(typeof(FinalRecord), "final")]
public abstract record HistoryRecord;

/// <summary>What the seeder put into the databases: the totals conservation starts from.</summary>
public sealed record StartRecord(
    long Wall, int Seed, IReadOnlyDictionary<string, long> Stock, IReadOnlyDictionary<string, decimal> Balances) : HistoryRecord;

/// <summary>An order about to be sent to <c>POST /orders</c>.</summary>
public sealed record InvokeRecord(
    Guid Order, OrderKind Kind, string Customer, string Sku, int Qty, decimal Amount, long Mono, long Wall) : HistoryRecord;

/// <summary>What the client was told about an order (<see cref="ClientOutcome.Failed"/>: it cannot tell).</summary>
/// <param name="Invoked">When the order was invoked (wall): lets a script see, from this line alone, that an order placed
/// after a fault has committed.</param>
public sealed record CompleteRecord(
    Guid Order, ClientOutcome Outcome, Guid? Tx, string? Reason, long Mono, long Wall, long Invoked) : HistoryRecord;

/// <summary>
/// A fault the nemesis injected, from <c>Start</c> until it was healed at <c>End</c>. <c>Role</c> is what the target
/// was when hit ("leader", "follower", "participant", "server"): recovery time is measured for leader faults.
/// </summary>
public sealed record FaultRecord(string Kind, string Target, string? Role, long Start, long End) : HistoryRecord;

/// <summary>Every fault healed: from here on nothing may stay in doubt for long.</summary>
public sealed record HealRecord(long Wall) : HistoryRecord;

/// <summary>A coordinator transaction that is neither committed nor aborted, with its state.</summary>
public sealed record UnfinishedTransaction(Guid Tx, string State);

/// <summary>A row of a participant's <c>pg_prepared_xacts</c>.</summary>
public sealed record PreparedTransaction(string Database, string Gid);

/// <summary>What is still unfinished at one moment (in the chaos run: heal + 10 s; in the demo: once settled).</summary>
/// <param name="CoordinatorError">Set when the coordinator's table could not be read; the lists are then incomplete.</param>
public sealed record OutstandingRecord(
    string Label,
    long Wall,
    IReadOnlyList<UnfinishedTransaction> Unfinished,
    IReadOnlyList<PreparedTransaction> Prepared,
    string? CoordinatorError) : HistoryRecord
{
    public int Count => Unfinished.Count + Prepared.Count;
}

/// <summary>A reservation row of Inventory.</summary>
public sealed record Reservation(Guid OrderId, Guid TransactionId, string Sku, int Quantity);

/// <summary>A charge row of Payments.</summary>
public sealed record Charge(Guid OrderId, Guid TransactionId, string CustomerId, decimal Amount);

/// <summary>The observed state after the system quiesced: what the checker compares with what the client was told.</summary>
/// <param name="Transactions">Coordinator transaction id to state; null when the table could not be read.</param>
public sealed record FinalRecord(
    long Wall,
    IReadOnlyList<Reservation> Reservations,
    IReadOnlyList<Charge> Charges,
    IReadOnlyDictionary<string, long> Stock,
    IReadOnlyDictionary<string, decimal> Balances,
    IReadOnlyList<PreparedTransaction> Prepared,
    IReadOnlyDictionary<Guid, string>? Transactions,
    string? CoordinatorError) : HistoryRecord
{
    /// <summary>
    /// Coordinator transaction id to the order it was begun for (the Orders sample's "orderId" metadata): lets the
    /// checker hold the coordinator's decisions against the participants' rows even for orders whose client never
    /// learnt the transaction id.
    /// </summary>
    public IReadOnlyDictionary<Guid, Guid>? Orders { get; init; }

    /// <summary>
    /// Per coordinator replica (by name), the transactions its own database holds as finished and how (Committed or
    /// Aborted): replicas apply one log, so they must agree on every transaction that two of them finished.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<Guid, string>>? ReplicaDecisions { get; init; }
}
