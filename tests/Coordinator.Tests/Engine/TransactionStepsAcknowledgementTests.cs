using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.Coordinator.Tests.Infrastructure;
using AckResult = TxCoordinator.Coordinator.Engine.TransactionSteps.AckResult;

namespace TxCoordinator.Coordinator.Tests.Engine;

public sealed class TransactionStepsAcknowledgementTests
{
    private static readonly DateTimeOffset AckedAt = Transactions.CommitRequestedAt + TimeSpan.FromSeconds(2);
    private static readonly DateTimeOffset LastAckedAt = AckedAt + TimeSpan.FromSeconds(1);

    private static TransactionRecord Aborting(params string[] yesVoters)
    {
        var tx = Transactions.Preparing([.. yesVoters, "payments"]);
        foreach (var voter in yesVoters)
        {
            TransactionSteps.ApplyVote(tx, voter, Vote.Yes, null, Transactions.CommitRequestedAt, new List<OutboundMessage>());
        }

        TransactionSteps.ApplyVote(tx, "payments", Vote.No, "card declined", Transactions.CommitRequestedAt, new List<OutboundMessage>());
        Assert.Equal(TransactionState.Aborting, tx.State);
        return tx;
    }

    [Fact]
    public void ApplyAcknowledgement_NotLastCommitAck_RecordsItAndKeepsCommitting()
    {
        var tx = Transactions.Committing("inventory", "payments");

        var result = TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, AckedAt);

        Assert.Equal(AckResult.Recorded, result);
        Assert.Equal(TransactionState.Committing, tx.State);
        Assert.Null(tx.CompletedAt);
        var inventory = tx.Participant("inventory");
        Assert.Equal((AckedAt, ParticipantOutcome.Committed), (inventory.AcknowledgedAt, inventory.AcknowledgedOutcome));
    }

    [Fact]
    public void ApplyAcknowledgement_LastCommitAck_CompletesTheTransactionAsCommitted()
    {
        var tx = Transactions.Committing("inventory", "payments");
        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, AckedAt);

        var result = TransactionSteps.ApplyAcknowledgement(tx, "payments", ParticipantOutcome.Committed, null, LastAckedAt);

        Assert.Equal(AckResult.Recorded, result);
        Assert.Equal(TransactionState.Committed, tx.State);
        Assert.Equal(TransactionOutcome.Committed, tx.Outcome);
        Assert.Equal((Transactions.CommitRequestedAt, LastAckedAt), (tx.DecidedAt!.Value, tx.CompletedAt!.Value));
    }

    [Fact]
    public void ApplyAcknowledgement_AbortedWhileCommitting_IsAHeuristicMismatchAndTheCommitStands()
    {
        var tx = Transactions.Committing("inventory", "payments");
        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, AckedAt);

        var result = TransactionSteps.ApplyAcknowledgement(tx, "payments", ParticipantOutcome.Aborted, "prepared transaction vanished", LastAckedAt);

        Assert.Equal(AckResult.HeuristicMismatch, result);
        Assert.Equal(ParticipantOutcome.Aborted, tx.Participant("payments").AcknowledgedOutcome);
        // The decision is durable and final; a participant that did otherwise is reported, not obeyed.
        Assert.Equal(TransactionState.Committed, tx.State);
        Assert.Equal(TransactionOutcome.Committed, tx.Outcome);
    }

    [Fact]
    public void ApplyAcknowledgement_CommittedWhileAborting_IsAHeuristicMismatchAndTheAbortStands()
    {
        var tx = Aborting("inventory");

        var result = TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, AckedAt);

        Assert.Equal(AckResult.HeuristicMismatch, result);
        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Equal("participant 'payments' voted No: card declined", tx.AbortReason);
    }

    [Fact]
    public void ApplyAcknowledgement_AbortedWhileAborting_CompletesTheAbort()
    {
        var tx = Aborting("inventory", "shipping");
        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Aborted, null, AckedAt);
        Assert.Equal(TransactionState.Aborting, tx.State);

        var result = TransactionSteps.ApplyAcknowledgement(tx, "shipping", ParticipantOutcome.Aborted, null, LastAckedAt);

        Assert.Equal(AckResult.Recorded, result);
        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Equal(LastAckedAt, tx.CompletedAt);
    }

    [Fact]
    public void ApplyAcknowledgement_Duplicate_KeepsTheFirstAcknowledgement()
    {
        var tx = Transactions.Committing("inventory", "payments");
        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, AckedAt);

        var result = TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Aborted, "replayed", LastAckedAt);

        Assert.Equal(AckResult.Duplicate, result);
        var inventory = tx.Participant("inventory");
        Assert.Equal((AckedAt, ParticipantOutcome.Committed), (inventory.AcknowledgedAt, inventory.AcknowledgedOutcome));
        Assert.Equal(TransactionState.Committing, tx.State);
    }

    [Fact]
    public void ApplyAcknowledgement_UnknownParticipant_ChangesNothing()
    {
        var tx = Transactions.Committing("inventory", "payments");

        var result = TransactionSteps.ApplyAcknowledgement(tx, "shipping", ParticipantOutcome.Committed, null, AckedAt);

        Assert.Equal(AckResult.UnknownParticipant, result);
        Assert.Equal(TransactionState.Committing, tx.State);
        Assert.All(tx.Participants, p => Assert.Null(p.AcknowledgedAt));
    }

    [Fact]
    public void ApplyAcknowledgement_OnePhaseCommitted_CompletesWithTheCommittedOutcome()
    {
        var tx = Transactions.OnePhaseCommitting("inventory");

        var result = TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, AckedAt);

        Assert.Equal(AckResult.Recorded, result);
        Assert.Equal(TransactionState.Committed, tx.State);
        Assert.Equal(TransactionOutcome.Committed, tx.Outcome);
        Assert.Equal(AckedAt, tx.CompletedAt);
    }

    [Fact]
    public void ApplyAcknowledgement_OnePhaseAborted_AbortsWithTheParticipantsReason()
    {
        var tx = Transactions.OnePhaseCommitting("inventory");

        var result = TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Aborted, "serialization failure", AckedAt);

        // Not a mismatch: in a one-phase commit the participant's local commit is the decision.
        Assert.Equal(AckResult.Recorded, result);
        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Equal(TransactionOutcome.Aborted, tx.Outcome);
        Assert.Equal("participant 'inventory' could not commit: serialization failure", tx.AbortReason);
        Assert.Equal(AckedAt, tx.CompletedAt);
    }

    [Fact]
    public void ApplyAcknowledgement_OnePhaseAbortedWithoutReason_SaysNoReasonWasGiven()
    {
        var tx = Transactions.OnePhaseCommitting("inventory");

        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Aborted, null, AckedAt);

        Assert.Equal("participant 'inventory' could not commit: no reason given", tx.AbortReason);
    }
}
