using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.Coordinator.Tests.Infrastructure;

namespace TxCoordinator.Coordinator.Tests.Admin;

public sealed class HeuristicAbortRefusalTests
{
    public static TheoryData<string> Undecided => ["Active", "Preparing"];

    private static TransactionRecord InState(string name) => name switch
    {
        "Active" => Transactions.Active("inventory", "payments"),
        "Preparing" => Transactions.Preparing("inventory", "payments"),
        "Committing" => Transactions.Committing("inventory", "payments"),
        "OnePhase" => Transactions.OnePhaseCommitting("inventory"),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Undecided))]
    public void HeuristicAbortRefusal_Undecided_Allows(string state)
    {
        Assert.Null(TransactionEngine.HeuristicAbortRefusal(InState(state)));
    }

    [Fact]
    public void HeuristicAbortRefusal_CommitDecided_RefusesBecauseOfAtomicity()
    {
        var refusal = TransactionEngine.HeuristicAbortRefusal(InState("Committing"));

        Assert.Contains("atomicity", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void HeuristicAbortRefusal_OnePhaseCommitHandedOver_Refuses()
    {
        var refusal = TransactionEngine.HeuristicAbortRefusal(InState("OnePhase"));

        Assert.Contains("one phase", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void HeuristicAbortRefusal_AlreadyAborted_Refuses()
    {
        var tx = InState("Active");
        TransactionSteps.Abort(tx, "by request", Transactions.CommitRequestedAt, new List<OutboundMessage>());

        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Contains("already Aborted", TransactionEngine.HeuristicAbortRefusal(tx), StringComparison.Ordinal);
    }
}
