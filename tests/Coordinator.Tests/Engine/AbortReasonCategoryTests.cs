using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Tests.Infrastructure;

namespace TxCoordinator.Coordinator.Tests.Engine;

/// <summary>The categories come from the reasons the protocol steps really write, so a reworded reason fails here.</summary>
public sealed class AbortReasonCategoryTests
{
    private static readonly DateTimeOffset AfterDeadline = Transactions.Deadline + TimeSpan.FromSeconds(1);

    [Fact]
    public void Of_TimedOutBeforeCommit_IsTimeout()
    {
        var tx = Transactions.Active("inventory");

        TransactionSteps.StartCommit(tx, AfterDeadline, new List<OutboundMessage>());

        Assert.Equal(AbortReasonCategory.Timeout, AbortReasonCategory.Of(tx.AbortReason));
    }

    [Fact]
    public void Of_VotesMissingAtDeadline_IsTimeout()
    {
        var tx = Transactions.Preparing("inventory", "payments");

        TransactionSteps.Decide(tx, AfterDeadline, new List<OutboundMessage>());

        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Equal(AbortReasonCategory.Timeout, AbortReasonCategory.Of(tx.AbortReason));
    }

    [Fact]
    public void Of_ParticipantVotedNo_IsVoteNo()
    {
        var tx = Transactions.Preparing("inventory", "payments");

        TransactionSteps.ApplyVote(tx, "payments", Vote.No, "card declined", Transactions.CommitRequestedAt, new List<OutboundMessage>());

        Assert.Equal(AbortReasonCategory.VoteNo, AbortReasonCategory.Of(tx.AbortReason));
    }

    [Fact]
    public void Of_OnePhaseParticipantCouldNotCommit_IsParticipantFailed()
    {
        var tx = Transactions.OnePhaseCommitting("inventory");

        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Aborted, "disk full", Transactions.CommitRequestedAt);

        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Equal(AbortReasonCategory.ParticipantFailed, AbortReasonCategory.Of(tx.AbortReason));
    }

    [Theory]
    [InlineData("aborted by request")]
    [InlineData("customer cancelled the order")]
    [InlineData("participant 'x' said something else")]
    [InlineData(null)]
    public void Of_AnyOtherReason_IsRequested(string? reason)
    {
        Assert.Equal(AbortReasonCategory.Requested, AbortReasonCategory.Of(reason));
    }
}
