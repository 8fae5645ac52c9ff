using TxCoordinator.Samples.LoadRunner.History;

namespace TxCoordinator.Samples.LoadRunner.Tests.History;

public sealed class HistoryCheckerTests
{
    [Fact]
    public void Check_CleanHistory_FindsNothing()
    {
        var result = new Histories().Check();

        Assert.Empty(result.Violations);
        Assert.Equal(0, result.InDoubt);
        Assert.Equal((3, 1, 1, 1), (result.Transactions, result.Committed, result.Aborted, result.Indeterminate));
    }

    [Fact]
    public void Check_ReservationWithoutCharge_IsAnAtomicityViolation()
    {
        // The order the client never heard about committed in Inventory only.
        var lostTx = Guid.NewGuid();
        var result = new Histories().With(f => f with
        {
            Reservations = [.. f.Reservations, new Reservation(Histories.LostOrder, lostTx, "SKU-1", 3)],
            Stock = new Dictionary<string, long> { ["SKU-1"] = 95 },
            Transactions = new Dictionary<Guid, string>(f.Transactions!) { [lostTx] = "Committed" },
        }).Check();

        var violation = Assert.Single(result.Violations);
        Assert.Equal(Property.Atomicity, violation.Property);
        Assert.Contains(Histories.LostOrder.ToString(), violation.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_RowsOfATransactionTheCoordinatorAborted_IsAnAtomicityViolation()
    {
        var result = new Histories().With(f => f with
        {
            Transactions = new Dictionary<Guid, string> { [Histories.CommittedTx] = "Committed", [Histories.AbortedTx] = "Aborted" },
            Reservations = [.. f.Reservations, new Reservation(Histories.AbortedOrder, Histories.AbortedTx, "SKU-1", 1)],
            Charges = [.. f.Charges, new Charge(Histories.AbortedOrder, Histories.AbortedTx, "c1", 15m)],
            Stock = new Dictionary<string, long> { ["SKU-1"] = 97 },
            Balances = new Dictionary<string, decimal> { ["c1"] = 955m },
        }).Check();

        Assert.NotEmpty(result.Violations);
        Assert.All(result.Violations, v => Assert.Equal(Property.Atomicity, v.Property));
    }

    [Fact]
    public void Check_CommittedOrderMissingAtAParticipant_IsADurabilityViolation()
    {
        // Payments lost the charge of an order the client was told is committed (and its money came back).
        var result = new Histories().With(f => f with
        {
            Charges = [],
            Balances = new Dictionary<string, decimal> { ["c1"] = 1_000m },
        }).Check();

        var violation = Assert.Single(result.Violations);
        Assert.Equal(Property.Durability, violation.Property);
    }

    [Fact]
    public void Check_CommittedOrderTheCoordinatorForgot_IsADurabilityViolation()
    {
        var result = new Histories().With(f => f with
        {
            Transactions = new Dictionary<Guid, string> { [Histories.AbortedTx] = "Aborted" },
        }).Check();

        Assert.Contains(result.Violations, v => v.Property == Property.Durability);
    }

    [Fact]
    public void Check_CoordinatorCommittedWhileBothParticipantsAborted_IsAnAtomicityViolation()
    {
        // What the long chaos run found: the client never learnt the transaction id, neither participant has rows,
        // but the coordinator records the order's transaction as Committed.
        var lostTx = Guid.NewGuid();
        var result = new Histories().With(f => f with
        {
            Transactions = new Dictionary<Guid, string>(f.Transactions!) { [lostTx] = "Committed" },
            Orders = new Dictionary<Guid, Guid>(f.Orders!) { [lostTx] = Histories.LostOrder },
        }).Check();

        var violation = Assert.Single(result.Violations);
        Assert.Equal(Property.Atomicity, violation.Property);
        Assert.Contains(lostTx.ToString(), violation.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_StockThatDoesNotAddUp_IsAConservationViolation()
    {
        var result = new Histories().With(f => f with { Stock = new Dictionary<string, long> { ["SKU-1"] = 97 } }).Check();

        var violation = Assert.Single(result.Violations);
        Assert.Equal(Property.Conservation, violation.Property);
    }

    [Fact]
    public void Check_MoneyThatDoesNotAddUp_IsAConservationViolation()
    {
        var result = new Histories().With(f => f with { Balances = new Dictionary<string, decimal> { ["c1"] = 971m } }).Check();

        var violation = Assert.Single(result.Violations);
        Assert.Equal(Property.Conservation, violation.Property);
    }

    [Fact]
    public void Check_PreparedTransactionLeftAtTheEnd_IsALeftover()
    {
        var result = new Histories().With(f => f with { Prepared = [new PreparedTransaction("inventory", "txc-1")] }).Check();

        var violation = Assert.Single(result.Violations);
        Assert.Equal(Property.Leftovers, violation.Property);
    }

    [Fact]
    public void Check_UnreadableCoordinator_IsALeftover()
    {
        var result = new Histories().With(f => f with { Transactions = null, CoordinatorError = "connection refused" }).Check();

        var violation = Assert.Single(result.Violations);
        Assert.Equal(Property.Leftovers, violation.Property);
    }

    [Fact]
    public void Check_ReplicasThatFinishedATransactionDifferently_IsAnAgreementViolation()
    {
        // The chaos run of d77f3b9: the replica re-elected last had a transaction Committed that the others had Aborted.
        var result = new Histories().With(f => f with
        {
            ReplicaDecisions = new Dictionary<string, IReadOnlyDictionary<Guid, string>>
            {
                ["r1"] = new Dictionary<Guid, string> { [Histories.CommittedTx] = "Committed", [Histories.AbortedTx] = "Aborted" },
                ["r2"] = new Dictionary<Guid, string> { [Histories.CommittedTx] = "Committed", [Histories.AbortedTx] = "Aborted" },
                ["r3"] = new Dictionary<Guid, string> { [Histories.CommittedTx] = "Committed", [Histories.AbortedTx] = "Committed" },
            },
        }).Check();

        var violation = Assert.Single(result.Violations);
        Assert.Equal(Property.Agreement, violation.Property);
        Assert.Equal($"transaction {Histories.AbortedTx} is Aborted at r1, Aborted at r2, Committed at r3: the replicas' logs parted",
            violation.Description);
    }

    [Fact]
    public void Check_ReplicaBehindTheOthers_IsNoViolation()
    {
        // r3 has not written the aborted transaction yet (a follower writes behind its log): behind, not parted.
        var result = new Histories().With(f => f with
        {
            ReplicaDecisions = new Dictionary<string, IReadOnlyDictionary<Guid, string>>
            {
                ["r1"] = new Dictionary<Guid, string> { [Histories.CommittedTx] = "Committed", [Histories.AbortedTx] = "Aborted" },
                ["r3"] = new Dictionary<Guid, string> { [Histories.CommittedTx] = "Committed" },
            },
        }).Check();

        Assert.Empty(result.Violations);
    }

    [Fact]
    public void Check_TransactionsUnfinishedAtTheInDoubtCount_AreCountedInDoubt()
    {
        var records = new Histories().Records;
        var index = records.FindIndex(r => r is OutstandingRecord);
        records[index] = new OutstandingRecord("heal+10s", 15_000,
            [new UnfinishedTransaction(Guid.NewGuid(), "Committing")], [new PreparedTransaction("payments", "txc-2")], null);

        var result = HistoryChecker.Check(RunHistory.From(records));

        Assert.Empty(result.Violations);
        Assert.Equal(2, result.InDoubt);
    }

    [Fact]
    public void Check_OrderAppliedTwice_IsAnAtomicityViolation()
    {
        var result = new Histories().With(f => f with
        {
            Reservations = [.. f.Reservations, .. f.Reservations],
            Stock = new Dictionary<string, long> { ["SKU-1"] = 96 },
        }).Check();

        Assert.Contains(result.Violations, v => v.Property == Property.Atomicity);
    }

    [Fact]
    public void Check_RefusedOrderReportedCommitted_IsAnAtomicityViolation()
    {
        var records = new Histories().Records;
        var index = records.FindIndex(r => r is InvokeRecord i && i.Order == Histories.CommittedOrder);
        records[index] = ((InvokeRecord)records[index]) with { Kind = OrderKind.SoldOut };

        var result = HistoryChecker.Check(RunHistory.From(records));

        Assert.Contains(result.Violations, v => v.Property == Property.Atomicity);
    }

    [Fact]
    public void Check_NoFinalRecord_IsAHistoryViolation()
    {
        var records = new Histories().Records.Where(r => r is not FinalRecord);

        var result = HistoryChecker.Check(RunHistory.From(records));

        Assert.Contains(result.Violations, v => v.Property == Property.History);
    }
}
