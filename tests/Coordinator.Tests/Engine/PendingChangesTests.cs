using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Engine;
using static TxCoordinator.Coordinator.Tests.Infrastructure.CoordinatorDatabase;

namespace TxCoordinator.Coordinator.Tests.Engine;

public sealed class PendingChangesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Take_ChangesQueuedMeanwhile_ComeInOneBatchOfAtMostMax()
    {
        var changes = new PendingChanges("stopping");
        var appended = Enumerable.Range(0, 5).Select(_ => changes.AppendAsync(NewImage(), 1, Ct)).ToList();
        var batch = new List<PendingChange>();

        Assert.True(await changes.TakeAsync(batch, 3, Ct));
        Assert.Equal(3, batch.Count);
        batch.ForEach(c => c.Done.SetResult());
        await Task.WhenAll(appended.Take(3));
        Assert.True(await changes.TakeAsync(batch, 3, Ct));
        Assert.Equal(2, batch.Count);
        Assert.All(appended.Skip(3), a => Assert.False(a.IsCompleted));
    }

    [Fact]
    public async Task FailQueued_FailsEveryWaitingCaller_WithTheGivenFailure()
    {
        var changes = new PendingChanges("stopping");
        var appended = changes.AppendAsync(NewImage(), 1, Ct);

        changes.FailQueued(new CoordinatorUnavailableException("lost the database"));

        var error = await Assert.ThrowsAsync<CoordinatorUnavailableException>(() => appended);
        Assert.Equal("lost the database", error.Message);
    }

    [Fact]
    public async Task Complete_AppendingFailsAndTakeEndsOnceEmpty()
    {
        var changes = new PendingChanges("stopping");

        changes.Complete();

        var error = await Assert.ThrowsAsync<CoordinatorUnavailableException>(() => changes.AppendAsync(NewImage(), 1, Ct));
        Assert.Equal("stopping", error.Message);
        Assert.False(await changes.TakeAsync([], 10, Ct));
    }

    [Fact]
    public async Task FailStale_ChangesOfAnotherTerm_FailAndLeaveTheBatch()
    {
        var changes = new PendingChanges("stopping");
        var earlier = changes.AppendAsync(NewImage(), 1, Ct);
        var current = changes.AppendAsync(NewImage(), 2, Ct);
        var batch = new List<PendingChange>();
        Assert.True(await changes.TakeAsync(batch, 10, Ct));

        PendingChanges.FailStale(batch, 2);

        Assert.Equal(2, Assert.Single(batch).Epoch);
        var error = await Assert.ThrowsAsync<CoordinatorUnavailableException>(() => earlier);
        Assert.StartsWith("The change was made before this coordinator's term changed", error.Message, StringComparison.Ordinal);
        Assert.False(current.IsCompleted);
    }

    private static TransactionImage NewImage() => Image(Guid.NewGuid(), 1, TransactionState.Active, vote: null);
}
