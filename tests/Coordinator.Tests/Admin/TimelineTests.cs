using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Admin;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.Coordinator.Tests.Infrastructure;

namespace TxCoordinator.Coordinator.Tests.Admin;

public sealed class TimelineTests
{
    private static readonly DateTimeOffset Second = Transactions.CreatedAt + TimeSpan.FromSeconds(2);
    private static readonly DateTimeOffset Third = Transactions.CreatedAt + TimeSpan.FromSeconds(3);
    private static readonly DateTimeOffset Fourth = Transactions.CreatedAt + TimeSpan.FromSeconds(4);

    [Fact]
    public void Of_CommittedTwoPhaseTransaction_ListsEveryStepInTimeOrder()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.ApplyVote(tx, "payments", Vote.Yes, null, Second, new List<OutboundMessage>());
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, Third, new List<OutboundMessage>());
        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, Fourth);
        TransactionSteps.ApplyAcknowledgement(tx, "payments", ParticipantOutcome.Committed, null, Fourth);

        var timeline = Timeline.Of(tx);

        Assert.Equal(TransactionState.Committed, tx.State);
        Assert.Equal(
            [
                (Transactions.CreatedAt, "created", null),
                (Transactions.CreatedAt, "enlisted", "inventory"),
                (Transactions.CreatedAt, "enlisted", "payments"),
                (Transactions.CommitRequestedAt, "prepare-sent", null),
                (Second, "voted", "payments"),
                (Third, "voted", "inventory"),
                (Third, "decided", null),
                (Fourth, "acknowledged", "inventory"),
                (Fourth, "acknowledged", "payments"),
                (Fourth, "completed", null),
            ],
            timeline.Select(e => (e.At, e.Event, e.Participant)));
        Assert.Equal("Commit", timeline.Single(e => e.Event == "decided").Detail);
        Assert.Equal("Committed", timeline[^1].Detail);
    }

    [Fact]
    public void Of_SomeVotedAsTheyEnlisted_PrepareSentOnlyToTheOthers()
    {
        var tx = Transactions.Active("inventory", "payments", "shipping");
        TransactionSteps.RecordUnsolicitedVote(tx, tx.Participant("inventory"), Vote.Yes, Transactions.CreatedAt);
        TransactionSteps.StartCommit(tx, Transactions.CommitRequestedAt, new List<OutboundMessage>());

        var timeline = Timeline.Of(tx);

        Assert.Equal(
            [
                (Transactions.CreatedAt, "created", null),
                (Transactions.CreatedAt, "enlisted", "inventory"),
                (Transactions.CreatedAt, "enlisted", "payments"),
                (Transactions.CreatedAt, "enlisted", "shipping"),
                (Transactions.CreatedAt, "voted", "inventory"),
                (Transactions.CommitRequestedAt, "prepare-sent", null),
            ],
            timeline.Select(e => (e.At, e.Event, e.Participant)));
        Assert.Equal("Prepare sent to 2 participants", timeline.Single(e => e.Event == "prepare-sent").Detail);
    }

    [Fact]
    public void Of_EveryParticipantVotedAsItEnlisted_NoPrepareSent()
    {
        var tx = Transactions.Active("inventory", "payments");
        TransactionSteps.RecordUnsolicitedVote(tx, tx.Participant("inventory"), Vote.Yes, Transactions.CreatedAt);
        TransactionSteps.RecordUnsolicitedVote(tx, tx.Participant("payments"), Vote.Yes, Transactions.CreatedAt);
        TransactionSteps.StartCommit(tx, Transactions.CommitRequestedAt, new List<OutboundMessage>());

        var timeline = Timeline.Of(tx);

        Assert.DoesNotContain(timeline, e => e.Event == "prepare-sent");
        Assert.Equal((Transactions.CommitRequestedAt, "decided"), (timeline[^1].At, timeline[^1].Event));
    }

    [Fact]
    public void Of_NoVote_ShowsTheReasonAndNoAcknowledgementForTheNoVoter()
    {
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.ApplyVote(tx, "payments", Vote.No, "card declined", Second, new List<OutboundMessage>());

        var timeline = Timeline.Of(tx);

        Assert.Contains(timeline, e => e is { Event: "voted", Participant: "payments", Detail: "No: card declined" });
        Assert.DoesNotContain(timeline, e => e.Event == "acknowledged");
        var decided = Assert.Single(timeline, e => e.Event == "decided");
        Assert.Equal(Second, decided.At);
        Assert.Contains("card declined", decided.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_OperatorAbort_ComesBeforeTheDecisionItCaused()
    {
        var tx = Transactions.Active("inventory");
        TransactionSteps.Abort(tx, "heuristic abort by alice: hung", Second, new List<OutboundMessage>());
        tx.Audit.Add(new AuditEntry(Second, AuditEntry.HeuristicAbort, "alice", "hung", TransactionState.Active, Applied: true, "aborted: Aborting"));

        var events = Timeline.Of(tx).Where(e => e.At == Second && e.Event != "completed").Select(e => e.Event);

        Assert.Equal(["operator", "decided"], events);
    }

    [Fact]
    public void Of_OnePhaseCommit_HasNoPrepareAndSaysSo()
    {
        var tx = Transactions.OnePhaseCommitting("inventory");

        var timeline = Timeline.Of(tx);

        Assert.DoesNotContain(timeline, e => e.Event == "prepare-sent");
        Assert.Contains("one phase", Assert.Single(timeline, e => e.Event == "decided").Detail, StringComparison.Ordinal);
    }
}
