using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.Coordinator.Tests.Infrastructure;

namespace TxCoordinator.Coordinator.Tests.Engine;

public sealed class TransactionStepsAbortTests
{
    private static readonly DateTimeOffset AbortedAt = Transactions.CommitRequestedAt + TimeSpan.FromSeconds(1);

    [Fact]
    public void Abort_ActiveWithoutParticipants_AbortsAtOnceWithoutMessages()
    {
        var tx = Transactions.Active();
        var outbox = new List<OutboundMessage>();

        Assert.True(TransactionSteps.Abort(tx, "aborted by request", AbortedAt, outbox));

        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Equal("aborted by request", tx.AbortReason);
        Assert.Equal((AbortedAt, AbortedAt), (tx.DecidedAt, tx.CompletedAt));
        Assert.Empty(outbox);
    }

    [Fact]
    public void Abort_ActiveWithParticipants_TellsEachOneAndCompletesWithoutWaiting()
    {
        var tx = Transactions.Active("inventory", "payments");
        var outbox = new RecordingOutbox(tx);

        Assert.True(TransactionSteps.Abort(tx, "aborted by request", AbortedAt, outbox));

        // Nobody was asked to prepare, so nobody holds anything the coordinator must wait for (presumed abort).
        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Equal(
            [Outbound.Abort(tx, "inventory", "aborted by request"), Outbound.Abort(tx, "payments", "aborted by request")], outbox);
        Assert.All(outbox.Entries, e => Assert.Equal(TransactionState.Aborting, e.State));
    }

    [Fact]
    public void Abort_PreparingWithAYesVoter_WaitsOnlyForTheYesVoter()
    {
        var tx = Transactions.Preparing("inventory", "payments", "catalog");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, AbortedAt, new List<OutboundMessage>());
        TransactionSteps.ApplyVote(tx, "catalog", Vote.ReadOnly, null, AbortedAt, new List<OutboundMessage>());
        var outbox = new List<OutboundMessage>();

        Assert.True(TransactionSteps.Abort(tx, "aborted by request", AbortedAt, outbox));

        Assert.Equal(TransactionState.Aborting, tx.State);
        // The silent participant is told too (it may still prepare), the read-only one is not.
        Assert.Equal([Outbound.Abort(tx, "inventory", "aborted by request"), Outbound.Abort(tx, "payments", "aborted by request")], outbox);
        Assert.True(TransactionSteps.AwaitsAcknowledgement(tx, tx.Participant("inventory")));
        Assert.False(TransactionSteps.AwaitsAcknowledgement(tx, tx.Participant("payments")));
        Assert.False(TransactionSteps.AwaitsAcknowledgement(tx, tx.Participant("catalog")));
    }

    [Fact]
    public void ApplyAcknowledgement_LastYesVoterAcknowledgesAbort_CompletesAlthoughAParticipantNeverVoted()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, AbortedAt, new List<OutboundMessage>());
        TransactionSteps.Abort(tx, "aborted by request", AbortedAt, new List<OutboundMessage>());
        var completedAt = AbortedAt + TimeSpan.FromSeconds(1);

        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Aborted, null, completedAt);

        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Equal(completedAt, tx.CompletedAt);
        Assert.Null(tx.Participant("payments").Vote);
        Assert.Null(tx.Participant("payments").AcknowledgedAt);
    }

    [Fact]
    public void Abort_TwoPhaseCommitting_IsRefusedAndChangesNothing()
    {
        var tx = Transactions.Committing("inventory", "payments");
        var outbox = new List<OutboundMessage>();

        Assert.False(TransactionSteps.Abort(tx, "too late", AbortedAt, outbox));

        Assert.Equal(TransactionState.Committing, tx.State);
        Assert.Null(tx.AbortReason);
        Assert.Empty(outbox);
    }

    [Fact]
    public void Abort_OnePhaseCommitting_IsRefusedBecauseTheParticipantDecides()
    {
        var tx = Transactions.OnePhaseCommitting("inventory");
        var outbox = new List<OutboundMessage>();

        Assert.False(TransactionSteps.Abort(tx, "too late", AbortedAt, outbox));

        Assert.Equal(TransactionState.Committing, tx.State);
        Assert.Empty(outbox);
    }

    [Fact]
    public void Abort_Committed_IsRefusedAndChangesNothing()
    {
        var tx = Transactions.Committing("inventory", "payments");
        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, AbortedAt);
        TransactionSteps.ApplyAcknowledgement(tx, "payments", ParticipantOutcome.Committed, null, AbortedAt);
        var outbox = new List<OutboundMessage>();

        Assert.False(TransactionSteps.Abort(tx, "too late", AbortedAt + TimeSpan.FromSeconds(1), outbox));

        Assert.Equal(TransactionState.Committed, tx.State);
        Assert.Equal(AbortedAt, tx.CompletedAt);
        Assert.Null(tx.AbortReason);
        Assert.Empty(outbox);
    }

    [Fact]
    public void Abort_AlreadyAborting_SucceedsWithoutResendingOrChangingTheReason()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, AbortedAt, new List<OutboundMessage>());
        TransactionSteps.Abort(tx, "first reason", AbortedAt, new List<OutboundMessage>());
        var outbox = new List<OutboundMessage>();

        Assert.True(TransactionSteps.Abort(tx, "second reason", AbortedAt + TimeSpan.FromSeconds(1), outbox));

        Assert.Equal(TransactionState.Aborting, tx.State);
        Assert.Equal("first reason", tx.AbortReason);
        Assert.Equal(1, tx.Participant("inventory").DeliveryAttempts);
        Assert.Empty(outbox);
    }

    [Fact]
    public void Abort_AlreadyAborted_SucceedsWithoutChangingAnything()
    {
        var tx = Transactions.Active("inventory");
        TransactionSteps.Abort(tx, "first reason", AbortedAt, new List<OutboundMessage>());
        var outbox = new List<OutboundMessage>();

        Assert.True(TransactionSteps.Abort(tx, "second reason", AbortedAt + TimeSpan.FromSeconds(1), outbox));

        Assert.Equal((TransactionState.Aborted, "first reason", (DateTimeOffset?)AbortedAt), (tx.State, tx.AbortReason, tx.CompletedAt));
        Assert.Empty(outbox);
    }

    [Fact]
    public void AwaitsAcknowledgement_Committing_WaitsForEveryUnacknowledgedParticipant()
    {
        var tx = Transactions.Committing("inventory", "payments");
        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, AbortedAt);

        Assert.False(TransactionSteps.AwaitsAcknowledgement(tx, tx.Participant("inventory")));
        Assert.True(TransactionSteps.AwaitsAcknowledgement(tx, tx.Participant("payments")));
    }

    [Fact]
    public void AwaitsAcknowledgement_OnePhaseCommitting_WaitsForTheOnlyParticipantThatNeverVoted()
    {
        var tx = Transactions.OnePhaseCommitting("inventory");

        Assert.True(TransactionSteps.AwaitsAcknowledgement(tx, tx.Participant("inventory")));
    }

    [Fact]
    public void TryComplete_UndecidedTransaction_DoesNothing()
    {
        TransactionRecord[] undecided = [Transactions.Active(), Transactions.Preparing("inventory", "payments")];

        Assert.All(undecided, tx =>
        {
            var before = tx.State;
            Assert.False(TransactionSteps.TryComplete(tx, AbortedAt));
            Assert.Equal(before, tx.State);
        });
    }
}
