using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.Coordinator.Tests.Infrastructure;

namespace TxCoordinator.Coordinator.Tests.Engine;

public sealed class TransactionStepsResumeTests
{
    private static readonly ResendPolicy Policy = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), StuckAfterAttempts: 10);

    /// <summary>When the first Prepare or Commit of the fixtures in <see cref="Transactions"/> was sent.</summary>
    private static readonly DateTimeOffset SentAt = Transactions.CommitRequestedAt;

    /// <summary>A supervisor sweep 1 s after <see cref="SentAt"/>: the second delivery, due again only 2 s later.</summary>
    private static readonly DateTimeOffset ResentAt = SentAt + TimeSpan.FromSeconds(1);

    /// <summary>When the new leader takes over: before the deadline, and before the backoff of the second delivery ran out.</summary>
    private static readonly DateTimeOffset ResumedAt = ResentAt + TimeSpan.FromMilliseconds(500);

    /// <summary>One supervisor sweep at <see cref="ResentAt"/>, so that the unanswered participants have two deliveries.</summary>
    private static void SweepOnce(TransactionRecord tx)
    {
        var outbox = new List<OutboundMessage>();
        TransactionSteps.Supervise(tx, ResentAt, Policy, outbox);
        Assert.NotEmpty(outbox);
    }

    /// <summary>Shows that no backoff delay has run out: a supervisor sweep at <paramref name="at"/> sends nothing.</summary>
    private static void AssertSupervisorSendsNothingAt(TransactionRecord tx, DateTimeOffset at)
    {
        var outbox = new List<OutboundMessage>();
        Assert.Equal(0, TransactionSteps.Supervise(tx, at, Policy, outbox).Resent);
        Assert.Empty(outbox);
    }

    [Fact]
    public void Resume_ActiveBeforeDeadline_SendsNothingAndChangesNothing()
    {
        var tx = Transactions.Active("inventory", "payments");
        var outbox = new List<OutboundMessage>();

        var sent = TransactionSteps.Resume(tx, Transactions.Deadline - TimeSpan.FromTicks(1), outbox);

        Assert.Equal(0, sent);
        Assert.Empty(outbox);
        Assert.Equal(TransactionState.Active, tx.State);
        Assert.Null(tx.DecidedAt);
        Assert.All(tx.Participants, p => Assert.Equal((0, (DateTimeOffset?)null), (p.DeliveryAttempts, p.LastSentAt)));
    }

    [Fact]
    public void Resume_ActiveAtDeadline_AbortsLikeATimeout()
    {
        var tx = Transactions.Active("inventory", "payments");
        var outbox = new RecordingOutbox(tx);

        var sent = TransactionSteps.Resume(tx, Transactions.Deadline, outbox);

        // Nobody was asked to prepare, so the abort completes at once (presumed abort); everyone is still told.
        Assert.Equal(2, sent);
        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Equal("timed out before commit", tx.AbortReason);
        Assert.Equal((Transactions.Deadline, Transactions.Deadline), (tx.DecidedAt, tx.CompletedAt));
        Assert.Equal(
            [Outbound.Abort(tx, "inventory", "timed out before commit"), Outbound.Abort(tx, "payments", "timed out before commit")], outbox);
        Assert.All(outbox.Entries, e => Assert.Equal(TransactionState.Aborting, e.State));
    }

    [Fact]
    public void Resume_PreparingWithMissingVotes_ResendsPrepareToExactlyTheNonVotersWithDeliveryCountReset()
    {
        var tx = Transactions.Preparing("inventory", "payments", "catalog", "shipping");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, SentAt, new List<OutboundMessage>());
        TransactionSteps.ApplyVote(tx, "catalog", Vote.ReadOnly, null, SentAt, new List<OutboundMessage>());
        SweepOnce(tx);
        Assert.Equal((2, 2), (tx.Participant("payments").DeliveryAttempts, tx.Participant("shipping").DeliveryAttempts));
        AssertSupervisorSendsNothingAt(tx, ResumedAt);
        var outbox = new List<OutboundMessage>();

        var sent = TransactionSteps.Resume(tx, ResumedAt, outbox);

        // The previous leader's Prepare may never have left: resend although the backoff is not due.
        Assert.Equal(2, sent);
        Assert.Equal([Outbound.Prepare(tx, "payments"), Outbound.Prepare(tx, "shipping")], outbox);
        Assert.Equal(TransactionState.Preparing, tx.State);
        Assert.Equal((1, (DateTimeOffset?)ResumedAt), (tx.Participant("payments").DeliveryAttempts, tx.Participant("payments").LastSentAt));
        Assert.Equal((1, (DateTimeOffset?)ResumedAt), (tx.Participant("shipping").DeliveryAttempts, tx.Participant("shipping").LastSentAt));
        Assert.Equal((1, (DateTimeOffset?)SentAt), (tx.Participant("inventory").DeliveryAttempts, tx.Participant("inventory").LastSentAt));
        Assert.Equal((1, (DateTimeOffset?)SentAt), (tx.Participant("catalog").DeliveryAttempts, tx.Participant("catalog").LastSentAt));
    }

    [Fact]
    public void Resume_Preparing_StartsTheBackoffAgainFromTheInitialDelay()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, SentAt, new List<OutboundMessage>());
        SweepOnce(tx);
        TransactionSteps.Resume(tx, ResumedAt, new List<OutboundMessage>());

        AssertSupervisorSendsNothingAt(tx, ResumedAt + Policy.InitialDelay - TimeSpan.FromTicks(1));
        var outbox = new List<OutboundMessage>();
        var supervision = TransactionSteps.Supervise(tx, ResumedAt + Policy.InitialDelay, Policy, outbox);

        Assert.Equal(1, supervision.Resent);
        Assert.Equal([Outbound.Prepare(tx, "payments")], outbox);
        Assert.Equal(2, tx.Participant("payments").DeliveryAttempts);
    }

    [Fact]
    public void Resume_PreparingAtDeadlineWithAMissingVote_DecidesAbort()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, SentAt, new List<OutboundMessage>());
        var outbox = new RecordingOutbox(tx);

        var sent = TransactionSteps.Resume(tx, Transactions.Deadline, outbox);

        const string reason = "timed out waiting for the vote of 'payments'";
        Assert.Equal(2, sent);
        Assert.Equal(TransactionState.Aborting, tx.State); // inventory is prepared: it must acknowledge the abort
        Assert.Equal(reason, tx.AbortReason);
        Assert.Equal(Transactions.Deadline, tx.DecidedAt);
        Assert.Equal([Outbound.Abort(tx, "inventory", reason), Outbound.Abort(tx, "payments", reason)], outbox);
        Assert.All(outbox.Entries, e => Assert.Equal((TransactionState.Aborting, (DateTimeOffset?)Transactions.Deadline), (e.State, e.DecidedAt)));
    }

    [Fact]
    public void Resume_PreparingPastDeadlineWithNoVoteAtAll_CompletesTheAbort()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        var resumedAt = Transactions.Deadline + TimeSpan.FromMinutes(1);
        var outbox = new List<OutboundMessage>();

        var sent = TransactionSteps.Resume(tx, resumedAt, outbox);

        const string reason = "timed out waiting for the vote of 'inventory', 'payments'";
        Assert.Equal(2, sent);
        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Equal(reason, tx.AbortReason);
        Assert.Equal((resumedAt, resumedAt), (tx.DecidedAt, tx.CompletedAt));
        Assert.Equal([Outbound.Abort(tx, "inventory", reason), Outbound.Abort(tx, "payments", reason)], outbox);
    }

    [Fact]
    public void Resume_Committing_SendsCommitToEveryUnacknowledgedYesVoterOnly()
    {
        var tx = Transactions.Preparing("inventory", "payments", "catalog", "shipping");
        TransactionSteps.ApplyVote(tx, "catalog", Vote.ReadOnly, null, SentAt, new List<OutboundMessage>());
        foreach (var yes in new[] { "inventory", "payments", "shipping" })
        {
            TransactionSteps.ApplyVote(tx, yes, Vote.Yes, null, SentAt, new List<OutboundMessage>());
        }

        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, SentAt);
        SweepOnce(tx);
        AssertSupervisorSendsNothingAt(tx, ResumedAt);
        var outbox = new List<OutboundMessage>();

        var sent = TransactionSteps.Resume(tx, ResumedAt, outbox);

        Assert.Equal(2, sent);
        Assert.Equal([Outbound.Commit(tx, "payments"), Outbound.Commit(tx, "shipping")], outbox);
        Assert.Equal(TransactionState.Committing, tx.State);
        Assert.Equal((1, 1), (tx.Participant("payments").DeliveryAttempts, tx.Participant("shipping").DeliveryAttempts));
        Assert.Equal((1, (DateTimeOffset?)SentAt), (tx.Participant("inventory").DeliveryAttempts, tx.Participant("inventory").LastSentAt));
        Assert.Equal((1, (DateTimeOffset?)SentAt), (tx.Participant("catalog").DeliveryAttempts, tx.Participant("catalog").LastSentAt));
    }

    [Fact]
    public void Resume_CommittingPastDeadline_StillSendsCommit()
    {
        var tx = Transactions.Committing("inventory", "payments");
        var outbox = new List<OutboundMessage>();

        var sent = TransactionSteps.Resume(tx, Transactions.Deadline + TimeSpan.FromHours(1), outbox);

        // The decision is durable; the deadline only bounds the time to reach it.
        Assert.Equal(2, sent);
        Assert.Equal(TransactionState.Committing, tx.State);
        Assert.Equal([Outbound.Commit(tx, "inventory"), Outbound.Commit(tx, "payments")], outbox);
    }

    [Fact]
    public void Resume_OnePhaseCommitting_ResendsTheOnePhaseCommit()
    {
        var tx = Transactions.OnePhaseCommitting("inventory");
        var outbox = new List<OutboundMessage>();

        var sent = TransactionSteps.Resume(tx, ResumedAt, outbox);

        Assert.Equal(1, sent);
        Assert.Equal([Outbound.Commit(tx, "inventory", onePhase: true)], outbox);
        Assert.Equal((TransactionState.Committing, true), (tx.State, tx.OnePhase));
        Assert.Equal((1, (DateTimeOffset?)ResumedAt), (tx.Participant("inventory").DeliveryAttempts, tx.Participant("inventory").LastSentAt));
    }

    [Fact]
    public void Resume_Aborting_SendsAbortOnlyToUnacknowledgedYesVoters()
    {
        var tx = Transactions.Preparing("inventory", "billing", "catalog", "shipping", "payments");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, SentAt, new List<OutboundMessage>());
        TransactionSteps.ApplyVote(tx, "billing", Vote.Yes, null, SentAt, new List<OutboundMessage>());
        TransactionSteps.ApplyVote(tx, "catalog", Vote.ReadOnly, null, SentAt, new List<OutboundMessage>());
        TransactionSteps.ApplyVote(tx, "payments", Vote.No, "card declined", SentAt, new List<OutboundMessage>());
        TransactionSteps.ApplyAcknowledgement(tx, "billing", ParticipantOutcome.Aborted, null, SentAt);
        Assert.Equal(TransactionState.Aborting, tx.State);
        var outbox = new List<OutboundMessage>();

        var sent = TransactionSteps.Resume(tx, ResumedAt, outbox);

        // shipping never voted: presumed abort, it holds nothing and is owed nothing. billing acknowledged,
        // payments voted No and catalog read-only: none of them takes part in phase two.
        Assert.Equal(1, sent);
        Assert.Equal([Outbound.Abort(tx, "inventory", "participant 'payments' voted No: card declined")], outbox);
        Assert.Equal(TransactionState.Aborting, tx.State);
        Assert.Equal((1, (DateTimeOffset?)ResumedAt), (tx.Participant("inventory").DeliveryAttempts, tx.Participant("inventory").LastSentAt));
        Assert.Equal((1, (DateTimeOffset?)SentAt), (tx.Participant("shipping").DeliveryAttempts, tx.Participant("shipping").LastSentAt));
    }

    [Fact]
    public void Resume_Committed_SendsNothing()
    {
        var tx = Transactions.Committing("inventory", "payments");
        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, SentAt);
        TransactionSteps.ApplyAcknowledgement(tx, "payments", ParticipantOutcome.Committed, null, SentAt);
        var outbox = new List<OutboundMessage>();

        var sent = TransactionSteps.Resume(tx, Transactions.Deadline + TimeSpan.FromHours(1), outbox);

        Assert.Equal(0, sent);
        Assert.Empty(outbox);
        Assert.Equal((TransactionState.Committed, (DateTimeOffset?)SentAt), (tx.State, tx.CompletedAt));
        Assert.All(tx.Participants, p => Assert.Equal((1, (DateTimeOffset?)SentAt), (p.DeliveryAttempts, p.LastSentAt)));
    }

    [Fact]
    public void Resume_AbortedWithAnUnacknowledgedLateYes_SendsNothing()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.Abort(tx, "aborted by request", SentAt, new List<OutboundMessage>());
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, SentAt, new List<OutboundMessage>());
        Assert.Null(tx.Participant("inventory").AcknowledgedAt);
        var outbox = new List<OutboundMessage>();

        var sent = TransactionSteps.Resume(tx, ResumedAt, outbox);

        // Aborted is final; the prepared participant's own recovery asks the coordinator and learns the abort.
        Assert.Equal(0, sent);
        Assert.Empty(outbox);
        Assert.Equal((TransactionState.Aborted, (DateTimeOffset?)SentAt), (tx.State, tx.CompletedAt));
    }
}
