using TxCoordinator.Contracts;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Participation;
using TxCoordinator.Participants.Sdk.Tests.Infrastructure;

namespace TxCoordinator.Participants.Sdk.Tests.Participation;

public sealed class TransactionParticipantTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<ParticipantHarness> CreateHarnessAsync() => ParticipantHarness.CreateAsync(database.RequireConnectionString());

    [Fact]
    public async Task EnlistAsync_SameTransactionTwice_JoinsOneLocalTransactionAndEnlistsOnce()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var first = await harness.DoWorkAsync(tx);

        await using (var work = await harness.Participant.EnlistAsync(tx, Ct))
        {
            await using var read = work.CreateCommand("SELECT count(*) FROM items WHERE id = @id");
            read.Parameters.AddWithValue("id", first);
            Assert.Equal(1L, await read.ExecuteScalarAsync(Ct)); // sees the first piece's uncommitted row
            await work.CompleteAsync(Ct);
        }

        Assert.Equal(1, harness.Coordinator.EnlistCalls);
        Assert.Equal(1, harness.Registry.OpenCount);
        Assert.Equal(Vote.Yes, (await harness.Protocol.PrepareAsync(tx, Ct)).Vote);
    }

    [Fact]
    public async Task EnlistAsync_TransactionNoLongerActive_ThrowsTransactionNotActive()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        harness.Coordinator.SetState(tx, TransactionState.Aborted);

        var error = await Assert.ThrowsAsync<TransactionNotActiveException>(() => harness.Participant.EnlistAsync(tx, Ct));

        Assert.Equal(System.Net.HttpStatusCode.Conflict, error.StatusCode);
        Assert.Equal(0, harness.Registry.OpenCount);
    }

    [Fact]
    public async Task EnlistAsync_CoordinatorDoesNotKnowTransaction_ThrowsTransactionNotActive()
    {
        await using var harness = await CreateHarnessAsync();
        harness.Coordinator.Failure = new TransactionCoordinatorException(System.Net.HttpStatusCode.NotFound, "Not found", null);

        var error = await Assert.ThrowsAsync<TransactionNotActiveException>(() => harness.Participant.EnlistAsync(Guid.NewGuid(), Ct));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task EnlistAsync_CoordinatorUnreachable_PropagatesAndOpensNothing()
    {
        await using var harness = await CreateHarnessAsync();
        harness.Coordinator.Failure = new CoordinatorUnavailableException("down", null);

        await Assert.ThrowsAsync<CoordinatorUnavailableException>(() => harness.Participant.EnlistAsync(Guid.NewGuid(), Ct));

        Assert.Equal(0, harness.Registry.OpenCount);
    }

    [Fact]
    public async Task EnlistAsync_EmptyTransactionId_Throws()
    {
        await using var harness = await CreateHarnessAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => harness.Participant.EnlistAsync(Guid.Empty, Ct));
    }

    [Fact]
    public async Task EnlistAsync_OtherWorkHoldsTransactionPastLockTimeout_ThrowsBusy()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        await using var holder = await harness.Participant.EnlistAsync(tx, Ct);

        var waiting = harness.Participant.EnlistAsync(tx, Ct);
        Assert.False(waiting.IsCompleted);
        harness.Time.Advance(TimeSpan.FromSeconds(6));

        await Assert.ThrowsAsync<ParticipantBusyException>(() => waiting);
        await holder.CompleteAsync(Ct);
    }

    [Fact]
    public async Task EnlistAsync_SecondCallerWaits_RunsAfterFirstCompletes()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var holder = await harness.Participant.EnlistAsync(tx, Ct);

        var waiting = harness.Participant.EnlistAsync(tx, Ct);
        Assert.False(waiting.IsCompleted);
        await holder.CompleteAsync(Ct);
        await using var second = await waiting.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(tx, second.TransactionId);
        Assert.Equal(1, harness.Coordinator.EnlistCalls);
        await second.CompleteAsync(Ct);
    }

    [Fact]
    public async Task Work_AfterComplete_ThrowsInvalidOperation()
    {
        await using var harness = await CreateHarnessAsync();
        var work = await harness.Participant.EnlistAsync(Guid.NewGuid(), Ct);
        await work.CompleteAsync(Ct);

        Assert.Throws<InvalidOperationException>(() => work.CreateCommand("SELECT 1"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => work.CompleteAsync(Ct).AsTask());
    }

    [Fact]
    public async Task Work_Deadline_IsTheCoordinatorsDeadline()
    {
        await using var harness = await CreateHarnessAsync();
        harness.Coordinator.Timeout = TimeSpan.FromSeconds(42);

        await using var work = await harness.Participant.EnlistAsync(Guid.NewGuid(), Ct);

        Assert.Equal(harness.Time.GetUtcNow() + TimeSpan.FromSeconds(42), work.Deadline);
        await work.CompleteAsync(Ct);
    }
}
