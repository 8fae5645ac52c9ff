using TxCoordinator.Samples.LoadRunner.History;

namespace TxCoordinator.Samples.LoadRunner.Tests.History;

/// <summary>
/// Hand-made histories: a clean run of three orders (one committed, one aborted by a declined card, one the client
/// never heard back about and that did not happen), which each test then breaks in one way.
/// </summary>
internal sealed class Histories
{
    public static readonly Guid CommittedOrder = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    public static readonly Guid AbortedOrder = Guid.Parse("00000000-0000-0000-0000-00000000000b");
    public static readonly Guid LostOrder = Guid.Parse("00000000-0000-0000-0000-00000000000c");
    public static readonly Guid CommittedTx = Guid.Parse("00000000-0000-0000-0000-0000000000a1");
    public static readonly Guid AbortedTx = Guid.Parse("00000000-0000-0000-0000-0000000000b1");

    public List<HistoryRecord> Records { get; } =
    [
        new StartRecord(1_000, 42, new Dictionary<string, long> { ["SKU-1"] = 100 }, new Dictionary<string, decimal> { ["c1"] = 1_000m }),
        new InvokeRecord(CommittedOrder, OrderKind.Normal, "c1", "SKU-1", 2, 30m, 0, 2_000),
        new InvokeRecord(AbortedOrder, OrderKind.DeclinedCard, "c1", "SKU-1", 1, 15m, 1, 2_001),
        new InvokeRecord(LostOrder, OrderKind.Normal, "c1", "SKU-1", 3, 45m, 2, 2_002),
        new CompleteRecord(CommittedOrder, ClientOutcome.Committed, CommittedTx, null, 100, 2_100, 2_000),
        new CompleteRecord(AbortedOrder, ClientOutcome.Aborted, AbortedTx, "card declined", 101, 2_101, 2_001),
        new CompleteRecord(LostOrder, ClientOutcome.Failed, null, "HTTP 503", 102, 2_102, 2_002),
        new HealRecord(5_000),
        new OutstandingRecord("heal+10s", 15_000, [], [], null),
        Final(),
    ];

    public static FinalRecord Final() => new(
        20_000,
        [new Reservation(CommittedOrder, CommittedTx, "SKU-1", 2)],
        [new Charge(CommittedOrder, CommittedTx, "c1", 30m)],
        new Dictionary<string, long> { ["SKU-1"] = 98 },
        new Dictionary<string, decimal> { ["c1"] = 970m },
        [],
        new Dictionary<Guid, string> { [CommittedTx] = "Committed", [AbortedTx] = "Aborted" },
        null)
    {
        Orders = new Dictionary<Guid, Guid> { [CommittedTx] = CommittedOrder, [AbortedTx] = AbortedOrder },
    };

    public Histories With(Func<FinalRecord, FinalRecord> change)
    {
        var index = Records.FindIndex(r => r is FinalRecord);
        Records[index] = change((FinalRecord)Records[index]);
        return this;
    }

    public Histories Add(HistoryRecord record)
    {
        Records.Add(record);
        return this;
    }

    public CheckResult Check() => HistoryChecker.Check(RunHistory.From(Records));
}
