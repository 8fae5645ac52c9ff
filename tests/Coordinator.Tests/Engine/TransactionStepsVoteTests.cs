using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.StateMachine;
using TxCoordinator.Coordinator.Tests.Infrastructure;
using VoteResult = TxCoordinator.Coordinator.Engine.TransactionSteps.VoteResult;

namespace TxCoordinator.Coordinator.Tests.Engine;

public sealed class TransactionStepsVoteTests
{
    private static readonly DateTimeOffset VotedAt = Transactions.CommitRequestedAt + TimeSpan.FromSeconds(1);

    [Fact]
    public void ApplyVote_FirstOfTwoYes_RecordsTheVoteAndKeepsWaiting()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        var outbox = new List<OutboundMessage>();

        var result = TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, VotedAt, outbox);

        Assert.Equal(VoteResult.Recorded, result);
        Assert.Equal(TransactionState.Preparing, tx.State);
        var inventory = tx.Participant("inventory");
        Assert.Equal((Vote.Yes, VotedAt), (inventory.Vote, inventory.VotedAt));
        Assert.False(inventory.IsDone);
        Assert.Empty(outbox);
    }

    [Fact]
    public void ApplyVote_LastYes_MakesTheCommitDecisionBeforeAnyCommitIsProduced()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, VotedAt, new List<OutboundMessage>());
        var outbox = new RecordingOutbox(tx);

        var result = TransactionSteps.ApplyVote(tx, "payments", Vote.Yes, null, VotedAt, outbox);

        Assert.Equal(VoteResult.Recorded, result);
        Assert.Equal(TransactionState.Committing, tx.State);
        Assert.Equal(TransactionOutcome.Committed, tx.Outcome);
        Assert.Equal([Outbound.Commit(tx, "inventory"), Outbound.Commit(tx, "payments")], outbox);
        // The engine saves the record before sending the outbox; each Commit must already see the decision on it.
        Assert.All(outbox.Entries, e => Assert.Equal((TransactionState.Committing, (DateTimeOffset?)VotedAt), (e.State, e.DecidedAt)));
        Assert.All(tx.Participants, p => Assert.Equal((1, VotedAt), (p.DeliveryAttempts, p.LastSentAt)));
    }

    [Fact]
    public void ApplyVote_No_AbortsWithItsReasonAndSendsAbortToEveryoneElse()
    {
        var tx = Transactions.Preparing("inventory", "payments", "shipping");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, VotedAt, new List<OutboundMessage>());
        var outbox = new RecordingOutbox(tx);

        var result = TransactionSteps.ApplyVote(tx, "payments", Vote.No, "card declined", VotedAt, outbox);

        Assert.Equal(VoteResult.Recorded, result);
        const string reason = "participant 'payments' voted No: card declined";
        // inventory is prepared and must acknowledge before the abort is complete.
        Assert.Equal(TransactionState.Aborting, tx.State);
        Assert.Equal(reason, tx.AbortReason);
        Assert.Equal(VotedAt, tx.DecidedAt);
        // The No voter has already rolled back: it is not sent anything.
        Assert.Equal([Outbound.Abort(tx, "inventory", reason), Outbound.Abort(tx, "shipping", reason)], outbox);
        Assert.All(outbox.Entries, e => Assert.Equal(TransactionState.Aborting, e.State));
        Assert.True(tx.Participant("payments").IsDone);
        Assert.Equal(1, tx.Participant("payments").DeliveryAttempts); // its Prepare only
    }

    [Fact]
    public void ApplyVote_NoWithoutReason_AbortsSayingNoReasonWasGiven()
    {
        var tx = Transactions.Preparing("inventory", "payments");

        TransactionSteps.ApplyVote(tx, "payments", Vote.No, null, VotedAt, new List<OutboundMessage>());

        Assert.Equal("participant 'payments' voted No: no reason given", tx.AbortReason);
    }

    [Fact]
    public void ApplyVote_NoBeforeAnyYes_CompletesTheAbortAtOnce()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        var outbox = new List<OutboundMessage>();

        TransactionSteps.ApplyVote(tx, "payments", Vote.No, "card declined", VotedAt, outbox);

        // Presumed abort: nobody voted Yes, so nobody holds a prepared transaction to wait for.
        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Equal((VotedAt, VotedAt), (tx.DecidedAt, tx.CompletedAt));
        Assert.Equal([Outbound.Abort(tx, "inventory", "participant 'payments' voted No: card declined")], outbox);
    }

    [Fact]
    public void ApplyVote_YesAndReadOnly_LeavesTheReadOnlyParticipantOutOfPhaseTwo()
    {
        var tx = Transactions.Preparing("inventory", "catalog", "payments");
        TransactionSteps.ApplyVote(tx, "catalog", Vote.ReadOnly, null, VotedAt, new List<OutboundMessage>());
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, VotedAt, new List<OutboundMessage>());
        var outbox = new List<OutboundMessage>();

        TransactionSteps.ApplyVote(tx, "payments", Vote.Yes, null, VotedAt, outbox);

        Assert.Equal(TransactionState.Committing, tx.State);
        Assert.Equal([Outbound.Commit(tx, "inventory"), Outbound.Commit(tx, "payments")], outbox);
        Assert.True(tx.Participant("catalog").IsDone);
        Assert.False(TransactionSteps.AwaitsAcknowledgement(tx, tx.Participant("catalog")));
    }

    [Fact]
    public void ApplyVote_AllReadOnly_CommitsWithoutPhaseTwo()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.ReadOnly, null, VotedAt, new List<OutboundMessage>());
        var outbox = new List<OutboundMessage>();

        TransactionSteps.ApplyVote(tx, "payments", Vote.ReadOnly, null, VotedAt, outbox);

        Assert.Equal(TransactionState.Committed, tx.State);
        Assert.Equal((VotedAt, VotedAt), (tx.DecidedAt, tx.CompletedAt));
        Assert.Empty(outbox);
    }

    [Fact]
    public void ApplyVote_Duplicate_KeepsTheFirstVoteAndSendsNothing()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, VotedAt, new List<OutboundMessage>());
        var outbox = new List<OutboundMessage>();

        var result = TransactionSteps.ApplyVote(tx, "inventory", Vote.No, "changed my mind", VotedAt + TimeSpan.FromSeconds(1), outbox);

        Assert.Equal(VoteResult.Duplicate, result);
        var inventory = tx.Participant("inventory");
        Assert.Equal((Vote.Yes, (string?)null, VotedAt), (inventory.Vote, inventory.VoteReason, inventory.VotedAt));
        Assert.Equal(TransactionState.Preparing, tx.State);
        Assert.Empty(outbox);
    }

    [Fact]
    public void ApplyVote_UnknownParticipant_ChangesNothing()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        var outbox = new List<OutboundMessage>();

        var result = TransactionSteps.ApplyVote(tx, "shipping", Vote.No, "not enlisted", VotedAt, outbox);

        Assert.Equal(VoteResult.UnknownParticipant, result);
        Assert.Equal(TransactionState.Preparing, tx.State);
        Assert.All(tx.Participants, p => Assert.Null(p.Vote));
        Assert.Empty(outbox);
    }

    [Fact]
    public void ApplyVote_WhileActive_IsNotRecorded()
    {
        var tx = Transactions.Active("inventory", "payments");
        var outbox = new List<OutboundMessage>();

        var result = TransactionSteps.ApplyVote(tx, "inventory", Vote.No, "premature", VotedAt, outbox);

        Assert.Equal(VoteResult.NotPreparing, result);
        Assert.Equal(TransactionState.Active, tx.State);
        Assert.Null(tx.Participant("inventory").Vote);
        Assert.False(tx.Participant("inventory").IsDone);
        Assert.Empty(outbox);
    }

    [Fact]
    public void ApplyVote_LateYesAfterAborted_SendsAbortWithTheOriginalReason()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.Abort(tx, "aborted by request", VotedAt, new List<OutboundMessage>());
        Assert.Equal(TransactionState.Aborted, tx.State);
        var lateAt = VotedAt + TimeSpan.FromSeconds(5);
        var outbox = new List<OutboundMessage>();

        var result = TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, lateAt, outbox);

        Assert.Equal(VoteResult.Recorded, result);
        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Equal([Outbound.Abort(tx, "inventory", "aborted by request")], outbox);
        Assert.Equal((1, lateAt), (tx.Participant("inventory").DeliveryAttempts, tx.Participant("inventory").LastSentAt));
    }

    [Fact]
    public void ApplyVote_LateYesWhileAborting_SendsAbortAndWaitsForItsAcknowledgement()
    {
        var tx = Transactions.Preparing("inventory", "payments", "shipping");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, VotedAt, new List<OutboundMessage>());
        TransactionSteps.ApplyVote(tx, "payments", Vote.No, "card declined", VotedAt, new List<OutboundMessage>());
        var outbox = new List<OutboundMessage>();

        TransactionSteps.ApplyVote(tx, "shipping", Vote.Yes, null, VotedAt + TimeSpan.FromSeconds(1), outbox);

        Assert.Equal(TransactionState.Aborting, tx.State);
        Assert.Equal([Outbound.Abort(tx, "shipping", "participant 'payments' voted No: card declined")], outbox);
        Assert.True(TransactionSteps.AwaitsAcknowledgement(tx, tx.Participant("shipping")));
    }

    [Theory]
    [InlineData(Vote.No)]
    [InlineData(Vote.ReadOnly)]
    public void ApplyVote_LateNonYesAfterAborted_SendsNothing(Vote vote)
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.Abort(tx, "aborted by request", VotedAt, new List<OutboundMessage>());
        var outbox = new List<OutboundMessage>();

        var result = TransactionSteps.ApplyVote(tx, "inventory", vote, "late", VotedAt + TimeSpan.FromSeconds(5), outbox);

        Assert.Equal(VoteResult.Recorded, result);
        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Empty(outbox);
    }

    [Fact]
    public void Decide_NotPreparing_IsPendingAndChangesNothing()
    {
        var tx = Transactions.Active("inventory", "payments");
        var outbox = new List<OutboundMessage>();

        var decision = TransactionSteps.Decide(tx, Transactions.Deadline + TimeSpan.FromMinutes(1), outbox);

        Assert.Equal(Decision.Pending, decision);
        Assert.Equal(TransactionState.Active, tx.State);
        Assert.Empty(outbox);
    }

    [Fact]
    public void Decide_PreparingWithMissingVoteBeforeDeadline_IsPending()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, VotedAt, new List<OutboundMessage>());
        var outbox = new List<OutboundMessage>();

        Assert.Equal(Decision.Pending, TransactionSteps.Decide(tx, Transactions.Deadline - TimeSpan.FromTicks(1), outbox));
        Assert.Equal(TransactionState.Preparing, tx.State);
        Assert.Empty(outbox);
    }

    [Fact]
    public void ApplyVote_LastYesAfterTheDeadline_AbortsAsIfItNeverCameAndTellsTheVoterOnce()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, VotedAt, new List<OutboundMessage>());
        var late = Transactions.Deadline + TimeSpan.FromMilliseconds(1);
        var outbox = new List<OutboundMessage>();

        var result = TransactionSteps.ApplyVote(tx, "payments", Vote.Yes, null, late, outbox);

        Assert.Equal(VoteResult.Recorded, result);
        const string reason = "timed out waiting for the vote of 'payments'";
        Assert.Equal((TransactionState.Aborting, reason), (tx.State, tx.AbortReason));
        Assert.Equal([Outbound.Abort(tx, "inventory", reason), Outbound.Abort(tx, "payments", reason)], outbox);
        Assert.Equal(Vote.Yes, tx.Participant("payments").Vote);
        Assert.False(tx.Participant("payments").IsDone); // prepared: its acknowledgement is awaited
    }

    [Fact]
    public void ApplyVote_DuringAOnePhaseCommit_IsIgnored()
    {
        var tx = Transactions.Active("inventory");
        TransactionSteps.StartCommit(tx, Transactions.CommitRequestedAt, new List<OutboundMessage>());
        var outbox = new List<OutboundMessage>();

        var result = TransactionSteps.ApplyVote(tx, "inventory", Vote.No, "stray", VotedAt, outbox);

        Assert.Equal(VoteResult.NotPreparing, result);
        Assert.Equal(TransactionState.Committing, tx.State);
        Assert.Null(tx.Participant("inventory").Vote);
        Assert.False(tx.Participant("inventory").IsDone);
        Assert.Empty(outbox);
    }
}
