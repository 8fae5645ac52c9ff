using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Diagnostics;

namespace TxCoordinator.Coordinator.Tests.Diagnostics;

public sealed class CoordinatorDiagnosticsTests
{
    [Theory]
    [InlineData(TransactionState.Preparing, TransactionState.Committing, "commit")]
    [InlineData(TransactionState.Preparing, TransactionState.Committed, "commit")]
    [InlineData(TransactionState.Active, TransactionState.Committing, "commit")]
    [InlineData(TransactionState.Active, TransactionState.Committed, "commit")]
    [InlineData(TransactionState.Preparing, TransactionState.Aborting, "abort")]
    [InlineData(TransactionState.Active, TransactionState.Aborted, "abort")]
    public void DecisionOf_LeavingAnUndecidedState_NamesTheDecision(TransactionState before, TransactionState after, string expected)
    {
        Assert.Equal(expected, CoordinatorDiagnostics.DecisionOf(before, after));
    }

    [Theory]
    [InlineData(TransactionState.Active, TransactionState.Active)]
    [InlineData(TransactionState.Active, TransactionState.Preparing)]
    [InlineData(TransactionState.Preparing, TransactionState.Preparing)]
    [InlineData(TransactionState.Committing, TransactionState.Committed)]
    [InlineData(TransactionState.Aborting, TransactionState.Aborted)]
    public void DecisionOf_NoDecisionTaken_IsNull(TransactionState before, TransactionState after)
    {
        Assert.Null(CoordinatorDiagnostics.DecisionOf(before, after));
    }
}
