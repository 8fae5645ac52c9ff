using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.Coordinator.Tests.Infrastructure;
using CommitStart = TxCoordinator.Coordinator.Engine.TransactionSteps.CommitStart;

namespace TxCoordinator.Coordinator.Tests.Engine;

/// <summary>Participants that voted as they enlisted (Yes once prepared, or ReadOnly): the commit asks only the others.</summary>
public sealed class TransactionStepsUnsolicitedVoteTests
{
    private static readonly DateTimeOffset EnlistedAt = Transactions.CreatedAt + TimeSpan.FromMilliseconds(100);
    private static readonly DateTimeOffset Now = Transactions.CommitRequestedAt;

    private static TransactionRecord ActiveWithVotes(params (string Participant, Vote? Vote)[] participants)
    {
        var tx = Transactions.Active([.. participants.Select(p => p.Participant)]);
        foreach (var (participant, vote) in participants)
        {
            if (vote is { } early)
            {
                TransactionSteps.RecordUnsolicitedVote(tx, tx.Participant(participant), early, EnlistedAt);
            }
        }

        return tx;
    }

    [Fact]
    public void StartCommit_EveryParticipantVotedYes_DecidesCommitAtOnceAndSendsCommitNotPrepare()
    {
        var tx = ActiveWithVotes(("inventory", Vote.Yes), ("payments", Vote.Yes));
        var outbox = new RecordingOutbox(tx);

        var start = TransactionSteps.StartCommit(tx, Now, outbox);

        Assert.Equal(CommitStart.Decided, start);
        Assert.Equal(TransactionState.Committing, tx.State);
        Assert.Equal(TransactionOutcome.Committed, tx.Outcome);
        Assert.Equal((Now, Now), (tx.PrepareStartedAt, tx.DecidedAt));
        Assert.False(tx.OnePhase);
        Assert.Equal([Outbound.Commit(tx, "inventory"), Outbound.Commit(tx, "payments")], outbox);
        // The decision is in the record before the Commits exist, so it is logged before they are sent.
        Assert.All(outbox.Entries, e => Assert.Equal(TransactionState.Committing, e.State));
    }

    [Fact]
    public void StartCommit_SomeVotedAsTheyEnlisted_SendsPrepareOnlyToTheOthers()
    {
        var tx = ActiveWithVotes(("inventory", Vote.Yes), ("payments", null), ("shipping", Vote.ReadOnly));
        var outbox = new List<OutboundMessage>();

        var start = TransactionSteps.StartCommit(tx, Now, outbox);

        Assert.Equal(CommitStart.AwaitVotes, start);
        Assert.Equal(TransactionState.Preparing, tx.State);
        Assert.Equal([Outbound.Prepare(tx, "payments")], outbox);

        TransactionSteps.ApplyVote(tx, "payments", Vote.Yes, null, Now, outbox);

        Assert.Equal(TransactionState.Committing, tx.State);
        // The read-only voter takes no part in phase two.
        Assert.Equal([Outbound.Prepare(tx, "payments"), Outbound.Commit(tx, "inventory"), Outbound.Commit(tx, "payments")], outbox);
    }

    [Fact]
    public void StartCommit_SingleParticipantVotedYes_CommitsWhatItPreparedInsteadOfOnePhase()
    {
        var tx = ActiveWithVotes(("inventory", Vote.Yes));
        var outbox = new List<OutboundMessage>();

        var start = TransactionSteps.StartCommit(tx, Now, outbox);

        Assert.Equal(CommitStart.Decided, start);
        Assert.Equal(TransactionState.Committing, tx.State);
        Assert.False(tx.OnePhase);
        Assert.Equal([Outbound.Commit(tx, "inventory", onePhase: false)], outbox);
    }

    [Fact]
    public void StartCommit_EveryParticipantReadOnly_CommittedWithoutAnyMessage()
    {
        var tx = ActiveWithVotes(("inventory", Vote.ReadOnly), ("payments", Vote.ReadOnly));
        var outbox = new List<OutboundMessage>();

        var start = TransactionSteps.StartCommit(tx, Now, outbox);

        Assert.Equal(CommitStart.Decided, start);
        Assert.Equal(TransactionState.Committed, tx.State);
        Assert.Empty(outbox);
    }

    [Fact]
    public void StartCommit_PastTheDeadlineWithEveryVoteIn_AbortsAndTellsTheYesVoters()
    {
        var tx = ActiveWithVotes(("inventory", Vote.Yes), ("payments", Vote.ReadOnly));
        var outbox = new List<OutboundMessage>();

        var start = TransactionSteps.StartCommit(tx, tx.Deadline, outbox);

        Assert.Equal(CommitStart.Refused, start);
        Assert.Equal(TransactionState.Aborting, tx.State);
        Assert.Equal([Outbound.Abort(tx, "inventory", "timed out before commit")], outbox);
    }

    [Fact]
    public void Abort_ActiveWithAYesVoter_WaitsForItsAcknowledgementOnly()
    {
        var tx = ActiveWithVotes(("inventory", Vote.Yes), ("payments", null));
        var outbox = new List<OutboundMessage>();

        TransactionSteps.Abort(tx, "aborted by request", Now, outbox);

        Assert.Equal(TransactionState.Aborting, tx.State);
        Assert.True(TransactionSteps.AwaitsAcknowledgement(tx, tx.Participant("inventory")));
        Assert.False(TransactionSteps.AwaitsAcknowledgement(tx, tx.Participant("payments")));
        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Aborted, null, Now);
        Assert.Equal(TransactionState.Aborted, tx.State);
    }

    [Theory]
    [InlineData(Vote.No)]
    [InlineData(null)]
    public void RecordUnsolicitedVote_NoOrAgain_Throws(Vote? second)
    {
        var tx = ActiveWithVotes(("inventory", second is null ? Vote.Yes : null));

        Assert.Throws<InvalidOperationException>(() =>
            TransactionSteps.RecordUnsolicitedVote(tx, tx.Participant("inventory"), second ?? Vote.ReadOnly, Now));
    }

    [Fact]
    public void RecordUnsolicitedVote_TransactionNoLongerActive_Throws()
    {
        var tx = Transactions.Preparing("inventory", "payments");

        Assert.Throws<InvalidOperationException>(() =>
            TransactionSteps.RecordUnsolicitedVote(tx, tx.Participant("inventory"), Vote.Yes, Now));
    }
}
