using TxCoordinator.Coordinator.Cluster;

namespace TxCoordinator.Coordinator.Tests.Cluster;

public sealed class LeaderTermTests
{
    private static readonly Guid Id = Guid.NewGuid();

    [Fact]
    public void KnowsEveryEnlistment_BegunInThisTerm_True_NotBegunHere_False()
    {
        var term = Started(1);

        term.Begun(Id, 1);

        Assert.True(term.KnowsEveryEnlistment(Id));
        Assert.False(term.KnowsEveryEnlistment(Guid.NewGuid()));
    }

    [Fact]
    public void KnowsEveryEnlistment_AfterTheTermEnds_False()
    {
        var term = Started(1);
        term.Begun(Id, 1);
        term.OutcomeUnknown(Id, 1);

        term.End();

        Assert.False(term.KnowsEveryEnlistment(Id));
        Assert.False(term.IsUncertain(Id));
        Assert.Equal(0, term.Epoch);
    }

    [Fact]
    public void KnowsEveryEnlistment_BegunByAChangeOfAnEarlierTerm_False()
    {
        // The transaction's first change was made in term 1 and finished after term 2 had started: term 2 never saw
        // the enlistments term 1 acknowledged, so it must abort the transaction, not commit it.
        var term = Started(1);
        term.Start(2);

        term.Begun(Id, 1);

        Assert.False(term.KnowsEveryEnlistment(Id));
    }

    [Fact]
    public void LeftActive_IsNoLongerTracked()
    {
        var term = Started(1);
        term.Begun(Id, 1);

        term.LeftActive(Id);

        Assert.False(term.KnowsEveryEnlistment(Id));
    }

    [Fact]
    public void IsUncertain_UntilALaterChangeOfTheSameTermIsApplied()
    {
        var term = Started(1);

        term.OutcomeUnknown(Id, 1);
        Assert.True(term.IsUncertain(Id));

        term.OutcomeKnown(Id, 1);
        Assert.False(term.IsUncertain(Id));
    }

    [Fact]
    public void OutcomeKnown_ByAChangeOfAnotherTerm_LeavesTheDoubt()
    {
        var term = Started(2);
        term.OutcomeUnknown(Id, 2);

        term.OutcomeKnown(Id, 1);

        Assert.True(term.IsUncertain(Id));
    }

    private static LeaderTerm Started(long epoch)
    {
        var term = new LeaderTerm();
        term.Start(epoch);
        return term;
    }
}
