using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.StateMachine;

namespace TxCoordinator.Coordinator.Tests.StateMachine;

public sealed class TransactionStateMachineTests
{
    private static readonly Guid TransactionId = Guid.Parse("0193a1b2-0000-7000-8000-0000000000aa");

    [Fact]
    public void TransactionState_Always_HasExactlyTheSixStatesTheTableCovers()
    {
        // A new state would be missing from every table in these tests; fail here so it is added deliberately.
        Assert.Equal(LegalTransitions.AllStates, Enum.GetValues<TransactionState>());
    }

    [Theory]
    [MemberData(nameof(LegalTransitions.AllPairsBothModes), MemberType = typeof(LegalTransitions))]
    public void CanTransition_AnyPair_IsTrueExactlyForTheListedTransitions(TransactionState from, TransactionState to, bool onePhase)
    {
        Assert.Equal(LegalTransitions.IsLegal(from, to, onePhase), TransactionStateMachine.CanTransition(from, to, onePhase));
    }

    [Theory]
    [MemberData(nameof(LegalTransitions.AllPairsBothModes), MemberType = typeof(LegalTransitions))]
    public void EnsureCanTransition_AnyPair_ThrowsExactlyForTheUnlistedTransitions(TransactionState from, TransactionState to, bool onePhase)
    {
        var error = Record.Exception(() => TransactionStateMachine.EnsureCanTransition(TransactionId, from, to, onePhase));

        if (LegalTransitions.IsLegal(from, to, onePhase))
        {
            Assert.Null(error);
            return;
        }

        var illegal = Assert.IsType<IllegalTransitionException>(error);
        Assert.Equal(TransactionId, illegal.TransactionId);
        Assert.Equal(from, illegal.From);
        Assert.Equal(to, illegal.To);
        Assert.Equal($"Transaction {TransactionId} cannot go from {from} to {to}.", illegal.Message);
    }

    [Fact]
    public void CanTransition_CommittingToAbortedWithoutOnePhase_IsFalse()
    {
        // A two-phase decision to commit is final: no acknowledgement may turn it into an abort.
        Assert.False(TransactionStateMachine.CanTransition(TransactionState.Committing, TransactionState.Aborted));
        Assert.True(TransactionStateMachine.CanTransition(TransactionState.Committing, TransactionState.Aborted, onePhase: true));
    }

    [Theory]
    [InlineData(TransactionState.Active, false)]
    [InlineData(TransactionState.Preparing, false)]
    [InlineData(TransactionState.Committing, false)]
    [InlineData(TransactionState.Aborting, false)]
    [InlineData(TransactionState.Committed, true)]
    [InlineData(TransactionState.Aborted, true)]
    public void IsFinal_State_IsTrueOnlyForCommittedAndAborted(TransactionState state, bool expected)
    {
        Assert.Equal(expected, TransactionStateMachine.IsFinal(state));
    }
}
