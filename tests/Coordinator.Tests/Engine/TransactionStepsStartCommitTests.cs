using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Tests.Infrastructure;
using CommitStart = TxCoordinator.Coordinator.Engine.TransactionSteps.CommitStart;

namespace TxCoordinator.Coordinator.Tests.Engine;

public sealed class TransactionStepsStartCommitTests
{
    private static readonly DateTimeOffset Now = Transactions.CommitRequestedAt;

    [Fact]
    public void StartCommit_NoParticipants_CommitsAtOnceWithoutMessages()
    {
        var tx = Transactions.Active();
        var outbox = new List<OutboundMessage>();

        var start = TransactionSteps.StartCommit(tx, Now, outbox);

        Assert.Equal(CommitStart.Decided, start);
        Assert.Equal(TransactionState.Committed, tx.State);
        Assert.Equal(TransactionOutcome.Committed, tx.Outcome);
        Assert.Equal((Now, Now), (tx.DecidedAt, tx.CompletedAt));
        Assert.Empty(outbox);
    }

    [Fact]
    public void StartCommit_OneParticipant_SendsOnePhaseCommitInsteadOfPrepare()
    {
        var tx = Transactions.Active("inventory");
        var outbox = new RecordingOutbox(tx);

        var start = TransactionSteps.StartCommit(tx, Now, outbox);

        Assert.Equal(CommitStart.AwaitOnePhaseOutcome, start);
        Assert.Equal(TransactionState.Committing, tx.State);
        Assert.True(tx.OnePhase);
        Assert.Null(tx.Outcome);
        Assert.Equal([Outbound.Commit(tx, "inventory", onePhase: true)], outbox);
        // The delegation is recorded before the Commit exists, so it is saved before it is sent.
        Assert.Equal(TransactionState.Committing, Assert.Single(outbox.Entries).State);
        Assert.Equal((1, Now), (tx.Participant("inventory").DeliveryAttempts, tx.Participant("inventory").LastSentAt));
    }

    [Fact]
    public void StartCommit_ManyParticipants_SendsPrepareToEveryParticipantAtOnce()
    {
        var tx = Transactions.Active("inventory", "payments", "shipping");
        var outbox = new RecordingOutbox(tx);

        var start = TransactionSteps.StartCommit(tx, Now, outbox);

        Assert.Equal(CommitStart.AwaitVotes, start);
        Assert.Equal(TransactionState.Preparing, tx.State);
        Assert.False(tx.OnePhase);
        Assert.Null(tx.DecidedAt);
        // Phase one is parallel: one step puts every Prepare in the outbox; none waits for another's vote.
        Assert.Equal([Outbound.Prepare(tx, "inventory"), Outbound.Prepare(tx, "payments"), Outbound.Prepare(tx, "shipping")], outbox);
        Assert.All(outbox.Entries, e => Assert.Equal(TransactionState.Preparing, e.State));
        Assert.All(tx.Participants, p => Assert.Equal((1, Now), (p.DeliveryAttempts, p.LastSentAt)));
    }

    [Fact]
    public void StartCommit_PrepareMessage_CarriesTheTransactionDeadline()
    {
        var tx = Transactions.Active("inventory", "payments");
        var outbox = new List<OutboundMessage>();

        TransactionSteps.StartCommit(tx, Now, outbox);

        Assert.All(outbox, m => Assert.Equal(Transactions.Deadline, Assert.IsType<PrepareTransaction>(m.Message).Deadline));
    }

    [Fact]
    public void StartCommit_AtDeadline_AbortsAndRefuses()
    {
        var tx = Transactions.Active("inventory", "payments");
        var outbox = new List<OutboundMessage>();

        var start = TransactionSteps.StartCommit(tx, Transactions.Deadline, outbox);

        Assert.Equal(CommitStart.Refused, start);
        // Nobody prepared, so nobody is waited for (presumed abort); the Abort messages roll back the open work.
        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Equal("timed out before commit", tx.AbortReason);
        Assert.Equal(
            [Outbound.Abort(tx, "inventory", "timed out before commit"), Outbound.Abort(tx, "payments", "timed out before commit")], outbox);
    }

    [Fact]
    public void StartCommit_AfterDeadlineWithOneParticipant_AbortsInsteadOfCommittingOnePhase()
    {
        var tx = Transactions.Active("inventory");
        var outbox = new List<OutboundMessage>();

        var start = TransactionSteps.StartCommit(tx, Transactions.Deadline + TimeSpan.FromSeconds(5), outbox);

        Assert.Equal(CommitStart.Refused, start);
        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.False(tx.OnePhase);
        Assert.Equal([Outbound.Abort(tx, "inventory", "timed out before commit")], outbox);
    }

    [Fact]
    public void StartCommit_AfterDeadlineWithoutParticipants_AbortsWithoutMessages()
    {
        var tx = Transactions.Active();
        var outbox = new List<OutboundMessage>();

        var start = TransactionSteps.StartCommit(tx, Transactions.Deadline, outbox);

        Assert.Equal(CommitStart.Refused, start);
        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Equal("timed out before commit", tx.AbortReason);
        Assert.Empty(outbox);
    }

    [Fact]
    public void StartCommit_AlreadyPreparing_AwaitsVotesWithoutSendingPrepareAgain()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        var outbox = new List<OutboundMessage>();

        var start = TransactionSteps.StartCommit(tx, Now + TimeSpan.FromSeconds(1), outbox);

        Assert.Equal(CommitStart.AwaitVotes, start);
        Assert.Equal(TransactionState.Preparing, tx.State);
        Assert.Empty(outbox);
        Assert.All(tx.Participants, p => Assert.Equal(1, p.DeliveryAttempts));
    }

    [Fact]
    public void StartCommit_TwoPhaseCommitting_IsAlreadyDecided()
    {
        var tx = Transactions.Committing("inventory", "payments");
        var outbox = new List<OutboundMessage>();

        Assert.Equal(CommitStart.Decided, TransactionSteps.StartCommit(tx, Now, outbox));
        Assert.Equal(TransactionState.Committing, tx.State);
        Assert.Empty(outbox);
    }

    [Fact]
    public void StartCommit_OnePhaseCommitting_KeepsAwaitingTheOutcome()
    {
        var tx = Transactions.OnePhaseCommitting("inventory");
        var outbox = new List<OutboundMessage>();

        Assert.Equal(CommitStart.AwaitOnePhaseOutcome, TransactionSteps.StartCommit(tx, Now, outbox));
        Assert.Empty(outbox);
    }

    [Fact]
    public void StartCommit_Committed_IsAlreadyDecidedEvenAfterTheDeadline()
    {
        var tx = Transactions.Active();
        TransactionSteps.StartCommit(tx, Now, new List<OutboundMessage>());
        var outbox = new List<OutboundMessage>();

        Assert.Equal(CommitStart.Decided, TransactionSteps.StartCommit(tx, Transactions.Deadline + TimeSpan.FromHours(1), outbox));
        Assert.Equal(TransactionState.Committed, tx.State);
        Assert.Empty(outbox);
    }

    [Fact]
    public void StartCommit_Aborting_IsRefused()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, Now, new List<OutboundMessage>());
        TransactionSteps.Abort(tx, "aborted by request", Now, new List<OutboundMessage>());
        Assert.Equal(TransactionState.Aborting, tx.State);
        var outbox = new List<OutboundMessage>();

        Assert.Equal(CommitStart.Refused, TransactionSteps.StartCommit(tx, Now, outbox));
        Assert.Equal(TransactionState.Aborting, tx.State);
        Assert.Empty(outbox);
    }

    [Fact]
    public void StartCommit_Aborted_IsRefused()
    {
        var tx = Transactions.Active("inventory");
        TransactionSteps.Abort(tx, "aborted by request", Now, new List<OutboundMessage>());
        var outbox = new List<OutboundMessage>();

        Assert.Equal(CommitStart.Refused, TransactionSteps.StartCommit(tx, Now, outbox));
        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Equal("aborted by request", tx.AbortReason);
        Assert.Empty(outbox);
    }
}
