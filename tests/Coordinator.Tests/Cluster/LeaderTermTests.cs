using TxCoordinator.Coordinator.Cluster;

namespace TxCoordinator.Coordinator.Tests.Cluster;

public sealed class LeaderTermTests
{
    private static readonly Guid Id = Guid.NewGuid();

    [Fact]
    public void KnowsEveryEnlistment_BegunInThisTerm_True_NotBegunHere_False()
    {
        var term = new LeaderTerm();

        term.Begun(Id);

        Assert.True(term.KnowsEveryEnlistment(Id));
        Assert.False(term.KnowsEveryEnlistment(Guid.NewGuid()));
    }

    [Fact]
    public void KnowsEveryEnlistment_AfterTheTermEnds_False()
    {
        var term = new LeaderTerm();
        term.Begun(Id);
        term.OutcomeUnknown(Id);

        term.Forget();

        Assert.False(term.KnowsEveryEnlistment(Id));
        Assert.False(term.IsUncertain(Id));
    }

    [Fact]
    public void LeftActive_IsNoLongerTracked()
    {
        var term = new LeaderTerm();
        term.Begun(Id);

        term.LeftActive(Id);

        Assert.False(term.KnowsEveryEnlistment(Id));
    }

    [Fact]
    public void IsUncertain_UntilALaterChangeIsApplied()
    {
        var term = new LeaderTerm();

        term.OutcomeUnknown(Id);
        Assert.True(term.IsUncertain(Id));

        term.OutcomeKnown(Id);
        Assert.False(term.IsUncertain(Id));
    }
}
