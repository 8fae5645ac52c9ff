using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Tests.Infrastructure;

namespace TxCoordinator.Coordinator.Tests.Engine;

public sealed class TransactionStepsSupervisionTests
{
    private static readonly ResendPolicy Policy = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), StuckAfterAttempts: 10);

    /// <summary>When the first Prepare or Commit of the fixtures in <see cref="Transactions"/> was sent.</summary>
    private static readonly DateTimeOffset SentAt = Transactions.CommitRequestedAt;

    [Fact]
    public void Supervise_ActiveBeforeDeadline_DoesNothing()
    {
        var tx = Transactions.Active("inventory", "payments");
        var outbox = new List<OutboundMessage>();

        var supervision = TransactionSteps.Supervise(tx, Transactions.Deadline - TimeSpan.FromTicks(1), Policy, outbox);

        Assert.Equal((false, 0), (supervision.Expired, supervision.Resent));
        Assert.Empty(supervision.Stuck);
        Assert.Equal(TransactionState.Active, tx.State);
        Assert.Empty(outbox);
    }

    [Fact]
    public void Supervise_ActiveAtDeadline_AbortsTheTransactionAsExpired()
    {
        var tx = Transactions.Active("inventory", "payments");
        var outbox = new List<OutboundMessage>();

        var supervision = TransactionSteps.Supervise(tx, Transactions.Deadline, Policy, outbox);

        Assert.Equal((true, 2), (supervision.Expired, supervision.Resent));
        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Equal("timed out before commit", tx.AbortReason);
        Assert.Equal(
            [Outbound.Abort(tx, "inventory", "timed out before commit"), Outbound.Abort(tx, "payments", "timed out before commit")], outbox);
    }

    [Fact]
    public void Supervise_PreparingPastDeadlineWithAMissingVote_AbortsNamingTheSilentParticipant()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, SentAt, new List<OutboundMessage>());
        var outbox = new List<OutboundMessage>();

        var supervision = TransactionSteps.Supervise(tx, Transactions.Deadline, Policy, outbox);

        const string reason = "timed out waiting for the vote of 'payments'";
        Assert.True(supervision.Expired);
        Assert.Equal(TransactionState.Aborting, tx.State); // inventory is prepared: it must acknowledge the abort
        Assert.Equal(reason, tx.AbortReason);
        Assert.Equal(Transactions.Deadline, tx.DecidedAt);
        Assert.Equal([Outbound.Abort(tx, "inventory", reason), Outbound.Abort(tx, "payments", reason)], outbox);
        Assert.Equal(2, supervision.Resent);
    }

    [Fact]
    public void Supervise_PreparingPastDeadlineWithNoVoteAtAll_CompletesTheAbortAtOnce()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        var outbox = new List<OutboundMessage>();

        var supervision = TransactionSteps.Supervise(tx, Transactions.Deadline + TimeSpan.FromSeconds(1), Policy, outbox);

        Assert.True(supervision.Expired);
        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Equal("timed out waiting for the vote of 'inventory', 'payments'", tx.AbortReason);
        Assert.Equal(2, outbox.Count);
    }

    [Fact]
    public void Supervise_PreparingBeforeTheFirstDelay_ResendsNothing()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        var outbox = new List<OutboundMessage>();

        var supervision = TransactionSteps.Supervise(tx, SentAt + Policy.InitialDelay - TimeSpan.FromTicks(1), Policy, outbox);

        Assert.Equal((false, 0), (supervision.Expired, supervision.Resent));
        Assert.Empty(outbox);
        Assert.All(tx.Participants, p => Assert.Equal((1, (DateTimeOffset?)SentAt), (p.DeliveryAttempts, p.LastSentAt)));
    }

    [Fact]
    public void Supervise_PreparingAfterTheFirstDelay_ResendsPrepareOnlyToParticipantsThatHaveNotVoted()
    {
        var tx = Transactions.Preparing("inventory", "payments", "catalog");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, SentAt, new List<OutboundMessage>());
        TransactionSteps.ApplyVote(tx, "catalog", Vote.ReadOnly, null, SentAt, new List<OutboundMessage>());
        var outbox = new List<OutboundMessage>();

        var supervision = TransactionSteps.Supervise(tx, SentAt + Policy.InitialDelay, Policy, outbox);

        Assert.Equal((false, 1), (supervision.Expired, supervision.Resent));
        Assert.Equal([Outbound.Prepare(tx, "payments")], outbox);
        Assert.Equal(TransactionState.Preparing, tx.State);
        Assert.Equal((2, 1, 1), (tx.Participant("payments").DeliveryAttempts, tx.Participant("inventory").DeliveryAttempts, tx.Participant("catalog").DeliveryAttempts));
    }

    [Fact]
    public void Supervise_RepeatedSweeps_ResendOnlyWhenTheBackoffDelayHasPassed()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, SentAt, new List<OutboundMessage>());
        var payments = tx.Participant("payments");
        var lastSent = SentAt;

        // 1 s, 2 s, 4 s, then capped at 4 s; every sweep just before a resend is due sends nothing.
        foreach (var seconds in new[] { 1, 2, 4, 4, 4 })
        {
            var due = lastSent + TimeSpan.FromSeconds(seconds);
            Assert.Equal(Backoff.Delay(payments.DeliveryAttempts, Policy.InitialDelay, Policy.MaxDelay), due - lastSent);
            var attempts = payments.DeliveryAttempts;

            var early = new List<OutboundMessage>();
            Assert.Equal(0, TransactionSteps.Supervise(tx, due - TimeSpan.FromMilliseconds(1), Policy, early).Resent);
            Assert.Empty(early);

            var onTime = new List<OutboundMessage>();
            Assert.Equal(1, TransactionSteps.Supervise(tx, due, Policy, onTime).Resent);
            Assert.Equal([Outbound.Prepare(tx, "payments")], onTime);
            Assert.Equal((attempts + 1, (DateTimeOffset?)due), (payments.DeliveryAttempts, payments.LastSentAt));

            var again = new List<OutboundMessage>();
            Assert.Equal(0, TransactionSteps.Supervise(tx, due, Policy, again).Resent);
            Assert.Empty(again);
            lastSent = due;
        }

        Assert.True(lastSent < Transactions.Deadline);
        Assert.Equal(TransactionState.Preparing, tx.State);
    }

    [Fact]
    public void Supervise_ParticipantPastStuckAfterAttempts_IsReportedStuckAndStillResent()
    {
        var policy = new ResendPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), StuckAfterAttempts: 3);
        var tx = Transactions.Committing("inventory", "payments");
        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, SentAt);
        var payments = tx.Participant("payments");

        var stuckPerSweep = new List<int>();
        for (var sweep = 1; sweep <= 4; sweep++)
        {
            var outbox = new List<OutboundMessage>();
            var supervision = TransactionSteps.Supervise(tx, SentAt + TimeSpan.FromSeconds(sweep), policy, outbox);
            Assert.Equal([Outbound.Commit(tx, "payments")], outbox);
            Assert.All(supervision.Stuck, p => Assert.Same(payments, p));
            stuckPerSweep.Add(supervision.Stuck.Count);
        }

        // Deliveries before each sweep: 1, 2, 3, 4. Three unanswered deliveries make it stuck.
        Assert.Equal([0, 0, 1, 1], stuckPerSweep);
        Assert.Equal(5, payments.DeliveryAttempts);
    }

    [Fact]
    public void Supervise_Committing_ResendsCommitOnlyToParticipantsThatHaveNotAcknowledged()
    {
        var tx = Transactions.Preparing("inventory", "payments", "catalog", "shipping");
        TransactionSteps.ApplyVote(tx, "catalog", Vote.ReadOnly, null, SentAt, new List<OutboundMessage>());
        foreach (var yes in new[] { "inventory", "payments", "shipping" })
        {
            TransactionSteps.ApplyVote(tx, yes, Vote.Yes, null, SentAt, new List<OutboundMessage>());
        }

        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, SentAt);
        var outbox = new List<OutboundMessage>();

        var supervision = TransactionSteps.Supervise(tx, SentAt + Policy.InitialDelay, Policy, outbox);

        Assert.Equal(2, supervision.Resent);
        Assert.Equal([Outbound.Commit(tx, "payments"), Outbound.Commit(tx, "shipping")], outbox);
        Assert.Equal(TransactionState.Committing, tx.State);
    }

    [Fact]
    public void Supervise_Aborting_ResendsAbortOnlyToPreparedParticipants()
    {
        var tx = Transactions.Preparing("inventory", "payments", "shipping");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, SentAt, new List<OutboundMessage>());
        TransactionSteps.ApplyVote(tx, "payments", Vote.No, "card declined", SentAt, new List<OutboundMessage>());
        var outbox = new List<OutboundMessage>();

        var supervision = TransactionSteps.Supervise(tx, SentAt + TimeSpan.FromSeconds(10), Policy, outbox);

        // shipping never voted: nothing of it is prepared, and a late Yes is answered with Abort when it comes.
        Assert.Equal(1, supervision.Resent);
        Assert.Equal([Outbound.Abort(tx, "inventory", "participant 'payments' voted No: card declined")], outbox);
        Assert.Equal(TransactionState.Aborting, tx.State);
    }

    [Fact]
    public void Supervise_OnePhaseCommitting_ResendsTheOnePhaseCommit()
    {
        var tx = Transactions.OnePhaseCommitting("inventory");
        var outbox = new List<OutboundMessage>();

        var supervision = TransactionSteps.Supervise(tx, SentAt + Policy.InitialDelay, Policy, outbox);

        Assert.Equal((false, 1), (supervision.Expired, supervision.Resent));
        Assert.Equal([Outbound.Commit(tx, "inventory", onePhase: true)], outbox);
    }

    [Fact]
    public void Supervise_CommittingPastDeadline_KeepsCommitting()
    {
        var tx = Transactions.Committing("inventory", "payments");
        var outbox = new List<OutboundMessage>();

        var supervision = TransactionSteps.Supervise(tx, Transactions.Deadline + TimeSpan.FromMinutes(5), Policy, outbox);

        // The decision is durable; the deadline only bounds the time to reach it.
        Assert.False(supervision.Expired);
        Assert.Equal(TransactionState.Committing, tx.State);
        Assert.Equal([Outbound.Commit(tx, "inventory"), Outbound.Commit(tx, "payments")], outbox);
    }

    [Fact]
    public void Supervise_Committed_SendsNothing()
    {
        var tx = Transactions.Committing("inventory", "payments");
        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, SentAt);
        TransactionSteps.ApplyAcknowledgement(tx, "payments", ParticipantOutcome.Committed, null, SentAt);
        var outbox = new List<OutboundMessage>();

        var supervision = TransactionSteps.Supervise(tx, Transactions.Deadline + TimeSpan.FromHours(1), Policy, outbox);

        Assert.Equal((false, 0), (supervision.Expired, supervision.Resent));
        Assert.Equal(TransactionState.Committed, tx.State);
        Assert.Empty(outbox);
    }

    [Fact]
    public void Supervise_AbortedWithAnUnacknowledgedLateYes_SendsNothing()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.Abort(tx, "aborted by request", SentAt, new List<OutboundMessage>());
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, SentAt, new List<OutboundMessage>());
        var outbox = new List<OutboundMessage>();

        var supervision = TransactionSteps.Supervise(tx, Transactions.Deadline + TimeSpan.FromHours(1), Policy, outbox);

        // Aborted is final; the prepared participant's own recovery asks the coordinator and learns the abort.
        Assert.Equal((false, 0), (supervision.Expired, supervision.Resent));
        Assert.Equal(TransactionState.Aborted, tx.State);
        Assert.Empty(outbox);
    }
}
