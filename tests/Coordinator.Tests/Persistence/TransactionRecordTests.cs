using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.Coordinator.StateMachine;
using TxCoordinator.Coordinator.Tests.Infrastructure;
using TxCoordinator.Coordinator.Tests.StateMachine;

namespace TxCoordinator.Coordinator.Tests.Persistence;

public sealed class TransactionRecordTests
{
    private static readonly DateTimeOffset SetUpAt = Transactions.CreatedAt + TimeSpan.FromSeconds(1);
    private static readonly DateTimeOffset DecidedAt = Transactions.CreatedAt + TimeSpan.FromSeconds(2);
    private static readonly DateTimeOffset CompletedAt = Transactions.CreatedAt + TimeSpan.FromSeconds(3);

    private readonly record struct Snapshot(
        TransactionState State, DateTimeOffset? DecidedAt, DateTimeOffset? CompletedAt, string? AbortReason, bool OnePhase, TransactionOutcome? Outcome)
    {
        public static Snapshot Of(TransactionRecord tx) => new(tx.State, tx.DecidedAt, tx.CompletedAt, tx.AbortReason, tx.OnePhase, tx.Outcome);
    }

    /// <summary>A two-phase record brought into <paramref name="state"/> by legal transitions only.</summary>
    private static TransactionRecord TwoPhaseIn(TransactionState state)
    {
        var tx = Transactions.Active();
        TransactionState[] path = state switch
        {
            TransactionState.Active => [],
            TransactionState.Preparing => [TransactionState.Preparing],
            TransactionState.Committing => [TransactionState.Preparing, TransactionState.Committing],
            TransactionState.Aborting => [TransactionState.Aborting],
            TransactionState.Committed => [TransactionState.Preparing, TransactionState.Committing, TransactionState.Committed],
            TransactionState.Aborted => [TransactionState.Aborting, TransactionState.Aborted],
            _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
        };
        foreach (var next in path)
        {
            tx.TransitionTo(next, SetUpAt, next is TransactionState.Aborting or TransactionState.Aborted ? "set-up reason" : null);
        }

        Assert.Equal(state, tx.State);
        return tx;
    }

    private static TransactionRecord OnePhaseCommitting()
    {
        var tx = Transactions.Active("inventory");
        tx.BeginOnePhaseCommit(SetUpAt);
        return tx;
    }

    [Theory]
    [MemberData(nameof(LegalTransitions.AllPairs), MemberType = typeof(LegalTransitions))]
    public void TransitionTo_AnyPairOnTwoPhaseRecord_AppliesListedTransitionsAndRejectsOthersUnchanged(TransactionState from, TransactionState to)
    {
        var tx = TwoPhaseIn(from);
        var before = Snapshot.Of(tx);

        var error = Record.Exception(() => tx.TransitionTo(to, DecidedAt, "test reason"));

        if (LegalTransitions.IsLegal(from, to, onePhase: false))
        {
            Assert.Null(error);
            Assert.Equal(to, tx.State);
            return;
        }

        var illegal = Assert.IsType<IllegalTransitionException>(error);
        Assert.Equal((Transactions.Id, from, to), (illegal.TransactionId, illegal.From, illegal.To));
        Assert.Equal(before, Snapshot.Of(tx));
    }

    [Theory]
    [MemberData(nameof(OnePhaseTargets))]
    public void TransitionTo_AnyTargetOfOnePhaseCommit_AllowsOnlyCommittedOrAborted(TransactionState to)
    {
        var tx = OnePhaseCommitting();
        var before = Snapshot.Of(tx);

        var error = Record.Exception(() => tx.TransitionTo(to, CompletedAt, "test reason"));

        if (to is TransactionState.Committed or TransactionState.Aborted)
        {
            Assert.Null(error);
            Assert.Equal(to, tx.State);
            return;
        }

        Assert.IsType<IllegalTransitionException>(error);
        Assert.Equal(before, Snapshot.Of(tx));
    }

    public static TheoryData<TransactionState> OnePhaseTargets() => new(LegalTransitions.AllStates);

    [Fact]
    public void New_Always_IsActiveAndUndecided()
    {
        var tx = Transactions.Active();

        Assert.Equal(new Snapshot(TransactionState.Active, null, null, null, false, null), Snapshot.Of(tx));
        Assert.False(tx.IsFinal);
    }

    [Fact]
    public void TransitionTo_Preparing_DecidesNothingYet()
    {
        var tx = Transactions.Active();

        tx.TransitionTo(TransactionState.Preparing, SetUpAt, "ignored");

        Assert.Equal(new Snapshot(TransactionState.Preparing, null, null, null, false, null), Snapshot.Of(tx));
    }

    [Fact]
    public void TransitionTo_Committing_SetsDecidedAtAndCommittedOutcomeButNotCompletedAt()
    {
        var tx = TwoPhaseIn(TransactionState.Preparing);

        tx.TransitionTo(TransactionState.Committing, DecidedAt, "ignored");

        Assert.Equal(new Snapshot(TransactionState.Committing, DecidedAt, null, null, false, TransactionOutcome.Committed), Snapshot.Of(tx));
        Assert.False(tx.IsFinal);
    }

    [Fact]
    public void TransitionTo_CommittedAfterCommitting_KeepsDecidedAtAndSetsCompletedAt()
    {
        var tx = TwoPhaseIn(TransactionState.Preparing);
        tx.TransitionTo(TransactionState.Committing, DecidedAt);

        tx.TransitionTo(TransactionState.Committed, CompletedAt);

        Assert.Equal(new Snapshot(TransactionState.Committed, DecidedAt, CompletedAt, null, false, TransactionOutcome.Committed), Snapshot.Of(tx));
        Assert.True(tx.IsFinal);
    }

    [Theory]
    [InlineData(TransactionState.Active)]    // nothing enlisted
    [InlineData(TransactionState.Preparing)] // every vote read-only
    public void TransitionTo_CommittedWithoutCommitting_DecidesAndCompletesAtTheSameInstant(TransactionState from)
    {
        var tx = TwoPhaseIn(from);

        tx.TransitionTo(TransactionState.Committed, CompletedAt);

        Assert.Equal(new Snapshot(TransactionState.Committed, CompletedAt, CompletedAt, null, false, TransactionOutcome.Committed), Snapshot.Of(tx));
    }

    [Theory]
    [InlineData(TransactionState.Active)]
    [InlineData(TransactionState.Preparing)]
    public void TransitionTo_AbortingWithReason_SetsDecidedAtReasonAndAbortedOutcome(TransactionState from)
    {
        var tx = TwoPhaseIn(from);

        tx.TransitionTo(TransactionState.Aborting, DecidedAt, "card declined");

        Assert.Equal(new Snapshot(TransactionState.Aborting, DecidedAt, null, "card declined", false, TransactionOutcome.Aborted), Snapshot.Of(tx));
    }

    [Fact]
    public void TransitionTo_AbortedAfterAborting_KeepsTheFirstReasonAndDecidedAt()
    {
        var tx = Transactions.Active();
        tx.TransitionTo(TransactionState.Aborting, DecidedAt, "card declined");

        tx.TransitionTo(TransactionState.Aborted, CompletedAt, "a later, different reason");

        Assert.Equal(new Snapshot(TransactionState.Aborted, DecidedAt, CompletedAt, "card declined", false, TransactionOutcome.Aborted), Snapshot.Of(tx));
        Assert.True(tx.IsFinal);
    }

    [Fact]
    public void TransitionTo_AbortedFromActiveWithoutReason_RecordsAbortedAsTheReason()
    {
        var tx = Transactions.Active();

        tx.TransitionTo(TransactionState.Aborted, CompletedAt);

        Assert.Equal(new Snapshot(TransactionState.Aborted, CompletedAt, CompletedAt, "aborted", false, TransactionOutcome.Aborted), Snapshot.Of(tx));
    }

    [Fact]
    public void BeginOnePhaseCommit_Active_DelegatesTheDecisionWithTheOutcomeStillOpen()
    {
        var tx = Transactions.Active("inventory");

        tx.BeginOnePhaseCommit(DecidedAt);

        // The participant's local commit decides; until it answers the outcome is unknown.
        Assert.Equal(new Snapshot(TransactionState.Committing, DecidedAt, null, null, true, null), Snapshot.Of(tx));
    }

    [Fact]
    public void TransitionTo_OnePhaseCommitted_ReportsTheCommittedOutcome()
    {
        var tx = OnePhaseCommitting();

        tx.TransitionTo(TransactionState.Committed, CompletedAt);

        Assert.Equal(new Snapshot(TransactionState.Committed, SetUpAt, CompletedAt, null, true, TransactionOutcome.Committed), Snapshot.Of(tx));
    }

    [Fact]
    public void TransitionTo_OnePhaseAborted_ReportsTheAbortedOutcomeAndReason()
    {
        var tx = OnePhaseCommitting();

        tx.TransitionTo(TransactionState.Aborted, CompletedAt, "serialization failure");

        Assert.Equal(
            new Snapshot(TransactionState.Aborted, SetUpAt, CompletedAt, "serialization failure", true, TransactionOutcome.Aborted), Snapshot.Of(tx));
    }

    [Theory]
    [InlineData(TransactionState.Committing)]
    [InlineData(TransactionState.Committed)]
    [InlineData(TransactionState.Aborting)]
    [InlineData(TransactionState.Aborted)]
    public void BeginOnePhaseCommit_Decided_ThrowsAndLeavesTheRecordUnchanged(TransactionState state)
    {
        var tx = TwoPhaseIn(state);
        var before = Snapshot.Of(tx);

        var error = Assert.Throws<IllegalTransitionException>(() => tx.BeginOnePhaseCommit(DecidedAt));

        Assert.Equal((state, TransactionState.Committing), (error.From, error.To));
        Assert.Equal(before, Snapshot.Of(tx));
    }

    [Fact]
    public void FindParticipant_IdInOtherCase_FindsNothing()
    {
        var tx = Transactions.Active("inventory");

        Assert.Same(tx.Participants[0], tx.FindParticipant("inventory"));
        Assert.Null(tx.FindParticipant("Inventory"));
    }
}
