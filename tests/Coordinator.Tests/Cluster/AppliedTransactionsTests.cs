using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.Coordinator.Tests.Infrastructure;

namespace TxCoordinator.Coordinator.Tests.Cluster;

public sealed class AppliedTransactionsTests
{
    private static readonly DateTimeOffset Later = Transactions.CommitRequestedAt + TimeSpan.FromSeconds(1);

    private static TransactionImage ImageAt(TransactionRecord tx, long revision)
    {
        while (tx.Revision < revision)
        {
            tx.NextRevision();
        }

        return TransactionImage.Of(tx);
    }

    [Fact]
    public void Find_NothingApplied_ReturnsNull()
    {
        Assert.Null(new AppliedTransactions().Find(Transactions.Id));
    }

    [Fact]
    public void Find_UnfinishedTransactionApplied_ReturnsItsLatestRevision()
    {
        var applied = new AppliedTransactions();
        var tx = Transactions.Preparing("inventory", "payments");
        applied.Apply([ImageAt(tx, 3)]);
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, Later, new List<OutboundMessage>());
        applied.Apply([ImageAt(tx, 4)]);

        var found = applied.Find(Transactions.Id);

        Assert.NotNull(found);
        Assert.Equal(4, found.Revision);
        Assert.Equal(Vote.Yes, found.Participant("inventory").Vote);
        Assert.Equal(1, applied.Count);
    }

    [Fact]
    public void Apply_OlderRevisionReplayed_KeepsTheNewer()
    {
        var applied = new AppliedTransactions();
        var older = ImageAt(Transactions.Preparing("inventory", "payments"), 2);
        var newer = ImageAt(Transactions.Committing("inventory", "payments"), 5);

        applied.Apply([newer]);
        applied.Apply([older]);

        Assert.Equal(5, applied.Find(Transactions.Id)!.Revision);
        Assert.Equal(TransactionState.Committing, applied.Find(Transactions.Id)!.State);
    }

    [Fact]
    public void Apply_FinishedTransaction_IsNoLongerHeld()
    {
        var applied = new AppliedTransactions();
        var tx = Transactions.Committing("inventory", "payments");
        applied.Apply([ImageAt(tx, 5)]);
        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, Later);
        TransactionSteps.ApplyAcknowledgement(tx, "payments", ParticipantOutcome.Committed, null, Later);
        Assert.Equal(TransactionState.Committed, tx.State);

        applied.Apply([ImageAt(tx, 6)]);

        Assert.Null(applied.Find(Transactions.Id));
        Assert.Equal(0, applied.Count);
        Assert.Equal(new AppliedTransactions.FinalState(6, TransactionState.Committed), applied.Final(Transactions.Id));
    }

    [Fact]
    public void Final_UnfinishedOrUnknownTransaction_ReturnsNull()
    {
        var applied = new AppliedTransactions();
        applied.Apply([ImageAt(Transactions.Committing("inventory", "payments"), 5)]);

        Assert.Null(applied.Final(Transactions.Id));
        Assert.Null(applied.Final(Guid.NewGuid()));
    }

    [Fact]
    public void Find_RecordChanged_DoesNotChangeWhatIsHeld()
    {
        var applied = new AppliedTransactions();
        applied.Apply([ImageAt(Transactions.Preparing("inventory", "payments"), 3)]);

        var first = applied.Find(Transactions.Id)!;
        TransactionSteps.ApplyVote(first, "inventory", Vote.No, "out of stock", Later, new List<OutboundMessage>());
        first.NextRevision();

        var second = applied.Find(Transactions.Id)!;
        Assert.Equal(3, second.Revision);
        Assert.Null(second.Participant("inventory").Vote);
        Assert.Equal(TransactionState.Preparing, second.State);
    }

    [Fact]
    public void Apply_SameRevisionAfterTheTransactionFinished_DoesNotBringItBack()
    {
        var applied = new AppliedTransactions();
        var tx = Transactions.Committing("inventory", "payments");
        var stale = ImageAt(tx, 6);
        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, Later);
        TransactionSteps.ApplyAcknowledgement(tx, "payments", ParticipantOutcome.Committed, null, Later);
        var final = TransactionImage.Of(tx);
        Assert.Equal(6, final.Revision);

        applied.Apply([final]);
        applied.Apply([stale]);

        Assert.Null(applied.Latest(Transactions.Id));
        Assert.Equal(0, applied.Count);
        Assert.Equal(new AppliedTransactions.FinalState(6, TransactionState.Committed), applied.Final(Transactions.Id));
    }

    [Fact]
    public void Apply_TwoImagesOfTheSameRevision_KeepsTheFirstLikeTheDatabase()
    {
        var applied = new AppliedTransactions();
        var first = ImageAt(Transactions.Preparing("inventory", "payments"), 4);
        var tx = Transactions.Preparing("inventory", "payments");
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, Later, new List<OutboundMessage>());
        var second = ImageAt(tx, 4);

        applied.Apply([first, second]);

        Assert.True(TransactionImage.SameContent(first, applied.Latest(Transactions.Id)!));
        Assert.False(TransactionImage.SameContent(second, applied.Latest(Transactions.Id)!));
    }

    [Fact]
    public void Find_ChangeDeferred_ReturnsTheDeferredChangeWhileTheLogsImageStaysAsApplied()
    {
        var applied = new AppliedTransactions();
        var tx = Transactions.Preparing("inventory", "payments");
        var logged = ImageAt(tx, 3);
        applied.Apply([logged]);
        applied.ResetDeferred(1);
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, Later, new List<OutboundMessage>());

        Assert.True(applied.Defer(TransactionImage.Of(tx), 1));

        var found = applied.Find(Transactions.Id)!;
        Assert.Equal(Vote.Yes, found.Participant("inventory").Vote);
        Assert.Equal(3, found.Revision);
        Assert.Same(logged, applied.Latest(Transactions.Id));
        Assert.Equal(1, applied.DeferredCount);
    }

    [Fact]
    public void Apply_ImageOfTheDeferredRevisionOrLater_SupersedesTheDeferredChange()
    {
        var applied = WithInventorysVoteDeferred();
        var other = Transactions.Preparing("inventory", "payments");
        TransactionSteps.ApplyVote(other, "payments", Vote.Yes, null, Later, new List<OutboundMessage>());

        applied.Apply([ImageAt(other, 4)]);

        var found = applied.Find(Transactions.Id)!;
        Assert.Equal(4, found.Revision);
        Assert.Null(found.Participant("inventory").Vote);
        Assert.Equal(0, applied.DeferredCount);
    }

    [Fact]
    public void Apply_OlderImageOrAnotherTransaction_KeepsTheDeferredChange()
    {
        var applied = WithInventorysVoteDeferred();

        applied.Apply([ImageAt(Transactions.Preparing("inventory", "payments"), 2)]);
        applied.Apply([TransactionImage.Of(Transactions.Active()) with { Id = Guid.NewGuid(), Revision = 9 }]);

        Assert.Equal(Vote.Yes, applied.Find(Transactions.Id)!.Participant("inventory").Vote);
    }

    [Fact]
    public void ResetDeferred_LeadershipChanged_FindReturnsWhatTheLogApplied()
    {
        var applied = WithInventorysVoteDeferred();

        applied.ResetDeferred(2);

        Assert.Null(applied.Find(Transactions.Id)!.Participant("inventory").Vote);
        Assert.Equal(0, applied.DeferredCount);
    }

    [Theory]
    [InlineData(2L)] // the next term started
    [InlineData(0L)] // no term: this replica stopped deciding
    public void Defer_ChangeMadeInAnEarlierTerm_IsNotKeptAndFindReturnsWhatTheLogApplied(long deferringNow)
    {
        var applied = new AppliedTransactions();
        var tx = Transactions.Preparing("inventory", "payments");
        applied.Apply([ImageAt(tx, 3)]);
        applied.ResetDeferred(1);
        applied.ResetDeferred(deferringNow);
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, Later, new List<OutboundMessage>());

        Assert.False(applied.Defer(TransactionImage.Of(tx), 1));

        Assert.Null(applied.Find(Transactions.Id)!.Participant("inventory").Vote);
        Assert.Equal(0, applied.DeferredCount);
        Assert.DoesNotContain(applied.Held(), image => image.Participants.Exists(p => p.Vote == Vote.Yes));
    }

    /// <summary>A Preparing transaction applied at revision 3, then Inventory's Yes deferred.</summary>
    private static AppliedTransactions WithInventorysVoteDeferred()
    {
        var applied = new AppliedTransactions();
        var tx = Transactions.Preparing("inventory", "payments");
        applied.Apply([ImageAt(tx, 3)]);
        applied.ResetDeferred(1);
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, Later, new List<OutboundMessage>());
        Assert.True(applied.Defer(TransactionImage.Of(tx), 1));
        return applied;
    }

    [Fact]
    public void Due_DeferredMoveToPreparing_ListedOnceItsPrepareIsDueAgain()
    {
        // The log holds the transaction as Active; the leader deferred its move to Preparing (Prepare sent at
        // CommitRequestedAt), and a second transaction's deferred enlistment (still Active) owes nobody an answer.
        var applied = new AppliedTransactions();
        var tx = Transactions.Active("inventory", "payments");
        applied.Apply([ImageAt(tx, 2)]);
        TransactionSteps.StartCommit(tx, Transactions.CommitRequestedAt, new List<OutboundMessage>());
        applied.ResetDeferred(1);
        applied.Defer(TransactionImage.Of(tx), 1);
        applied.Defer(TransactionImage.Of(Transactions.Active("inventory")) with { Id = Guid.NewGuid() }, 1);

        Assert.Empty(applied.Due(Transactions.CommitRequestedAt, Transactions.CommitRequestedAt - TimeSpan.FromMilliseconds(1)));
        Assert.Equal([Transactions.Id], applied.Due(Transactions.CommitRequestedAt, Transactions.CommitRequestedAt));

        // Without the deferred move, the log's Active image owes nobody an answer either.
        applied.ResetDeferred(0);
        Assert.Empty(applied.Due(Transactions.CommitRequestedAt, Later));
    }

    [Fact]
    public void Due_AppliedActiveTransactionPastItsDeadline_IsListed()
    {
        var applied = new AppliedTransactions();
        var tx = Transactions.Active("inventory");
        applied.Apply([ImageAt(tx, 2)]);

        Assert.Empty(applied.Due(tx.Deadline - TimeSpan.FromMilliseconds(1), tx.CreatedAt));
        Assert.Equal([tx.Id], applied.Due(tx.Deadline, tx.CreatedAt));
    }

    [Fact]
    public void Due_AppliedCommittingTransactionAwaitingAnAcknowledgement_IsListedOnceItsCommitIsDueAgain()
    {
        var applied = new AppliedTransactions();
        var tx = Transactions.Committing("inventory", "payments");
        var sent = tx.Participants.Max(p => p.LastSentAt)!.Value;
        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, sent);
        applied.Apply([ImageAt(tx, 5)]);

        Assert.Empty(applied.Due(sent, sent - TimeSpan.FromMilliseconds(1)));
        Assert.Equal([tx.Id], applied.Due(sent, sent));
    }

    [Fact]
    public void Defer_FinishedTransaction_Throws()
    {
        var tx = Transactions.Committing("inventory", "payments");
        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, Later);
        TransactionSteps.ApplyAcknowledgement(tx, "payments", ParticipantOutcome.Committed, null, Later);

        Assert.Throws<ArgumentException>(() => new AppliedTransactions().Defer(TransactionImage.Of(tx), 1));
    }
}
