using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.StateMachine;
using Ballot = TxCoordinator.Coordinator.StateMachine.VoteAggregator.Ballot;

namespace TxCoordinator.Coordinator.Tests.StateMachine;

public sealed class VoteAggregatorTests
{
    private static readonly DateTimeOffset Deadline = new(2026, 1, 1, 12, 0, 30, TimeSpan.Zero);
    private static readonly DateTimeOffset BeforeDeadline = Deadline - TimeSpan.FromTicks(1);

    [Fact]
    public void Decide_AllYes_Commits()
    {
        var decision = VoteAggregator.Decide([new Ballot("inventory", Vote.Yes, null), new Ballot("payments", Vote.Yes, null)], Deadline, BeforeDeadline);

        Assert.Equal(Decision.Commit, decision);
        Assert.Null(decision.Reason);
    }

    [Fact]
    public void Decide_OneNo_AbortsWithThatParticipantsReason()
    {
        var decision = VoteAggregator.Decide(
            [new Ballot("inventory", Vote.Yes, null), new Ballot("payments", Vote.No, "card declined"), new Ballot("shipping", Vote.Yes, null)],
            Deadline, BeforeDeadline);

        Assert.Equal(Decision.Abort("participant 'payments' voted No: card declined"), decision);
    }

    [Fact]
    public void Decide_NoWithoutReason_SaysNoReasonWasGiven()
    {
        var decision = VoteAggregator.Decide([new Ballot("payments", Vote.No, null)], Deadline, BeforeDeadline);

        Assert.Equal(Decision.Abort("participant 'payments' voted No: no reason given"), decision);
    }

    [Fact]
    public void Decide_NoWhileOthersHaveNotVoted_AbortsWithoutWaitingForThem()
    {
        var decision = VoteAggregator.Decide(
            [new Ballot("inventory", null, null), new Ballot("payments", Vote.No, "card declined")], Deadline, BeforeDeadline);

        Assert.Equal(DecisionKind.Abort, decision.Kind);
        Assert.Equal("participant 'payments' voted No: card declined", decision.Reason);
    }

    [Fact]
    public void Decide_NoAndMissingVoteAfterDeadline_NamesTheNoVoteNotTheTimeout()
    {
        var decision = VoteAggregator.Decide(
            [new Ballot("inventory", null, null), new Ballot("payments", Vote.No, "card declined")], Deadline, Deadline);

        Assert.Equal("participant 'payments' voted No: card declined", decision.Reason);
    }

    [Fact]
    public void Decide_TwoNoVotes_NamesTheFirstInEnlistmentOrder()
    {
        var decision = VoteAggregator.Decide(
            [new Ballot("inventory", Vote.No, "out of stock"), new Ballot("payments", Vote.No, "card declined")], Deadline, BeforeDeadline);

        Assert.Equal("participant 'inventory' voted No: out of stock", decision.Reason);
    }

    [Theory]
    [InlineData(Vote.Yes, Vote.ReadOnly)]
    [InlineData(Vote.ReadOnly, Vote.Yes)]
    [InlineData(Vote.ReadOnly, Vote.ReadOnly)]
    public void Decide_YesAndReadOnlyMixed_Commits(Vote first, Vote second)
    {
        var decision = VoteAggregator.Decide([new Ballot("inventory", first, null), new Ballot("payments", second, null)], Deadline, BeforeDeadline);

        Assert.Equal(Decision.Commit, decision);
    }

    [Fact]
    public void Decide_ReadOnlyAndNo_Aborts()
    {
        var decision = VoteAggregator.Decide(
            [new Ballot("inventory", Vote.ReadOnly, null), new Ballot("payments", Vote.No, "card declined")], Deadline, BeforeDeadline);

        Assert.Equal(Decision.Abort("participant 'payments' voted No: card declined"), decision);
    }

    [Fact]
    public void Decide_MissingVoteBeforeDeadline_IsPending()
    {
        var decision = VoteAggregator.Decide(
            [new Ballot("inventory", Vote.Yes, null), new Ballot("payments", null, null)], Deadline, BeforeDeadline);

        Assert.Equal(Decision.Pending, decision);
    }

    [Fact]
    public void Decide_MissingVoteExactlyAtDeadline_AbortsNamingTheSilentParticipant()
    {
        var decision = VoteAggregator.Decide(
            [new Ballot("inventory", Vote.Yes, null), new Ballot("payments", null, null)], Deadline, Deadline);

        Assert.Equal(Decision.Abort("timed out waiting for the vote of 'payments'"), decision);
    }

    [Fact]
    public void Decide_MissingVotesAfterDeadline_AbortsNamingEverySilentParticipant()
    {
        var decision = VoteAggregator.Decide(
            [new Ballot("inventory", null, null), new Ballot("payments", Vote.ReadOnly, null), new Ballot("shipping", null, null)],
            Deadline, Deadline + TimeSpan.FromMinutes(1));

        Assert.Equal(Decision.Abort("timed out waiting for the vote of 'inventory', 'shipping'"), decision);
    }

    [Fact]
    public void Decide_NoBallots_Commits()
    {
        Assert.Equal(Decision.Commit, VoteAggregator.Decide([], Deadline, Deadline));
    }

    [Fact]
    public void Decide_NullBallots_Throws()
    {
        Assert.Throws<ArgumentNullException>("ballots", () => VoteAggregator.Decide(null!, Deadline, BeforeDeadline));
    }
}
