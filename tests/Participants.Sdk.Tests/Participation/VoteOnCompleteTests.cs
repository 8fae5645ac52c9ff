using System.Net;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Participation;
using TxCoordinator.Participants.Sdk.Tests.Infrastructure;

namespace TxCoordinator.Participants.Sdk.Tests.Participation;

/// <summary>
/// <see cref="ParticipantOptions.VoteOnComplete"/>: the work is prepared as it completes and the participant enlists
/// with its vote (the unsolicited vote), over real PostgreSQL and a fake coordinator.
/// </summary>
public sealed class VoteOnCompleteTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<ParticipantHarness> CreateHarnessAsync() =>
        ParticipantHarness.CreateAsync(database.RequireConnectionString(), o => o.VoteOnComplete = true);

    [Fact]
    public async Task CompleteAsync_WorkWrote_PreparesItThenEnlistsWithYes()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();

        var (work, item) = await StartWorkAsync(harness, tx);
        Assert.Equal(0, harness.Coordinator.EnlistCalls); // nothing asked of the coordinator before the work
        await work.CompleteAsync(Ct);

        Assert.Equal(1, harness.Coordinator.EnlistCalls);
        var enlisted = Assert.Single(harness.Coordinator.ParticipantsOf(tx));
        Assert.Equal(Vote.Yes, enlisted.Vote);
        Assert.Equal(1, await harness.PreparedCountAsync(tx));
        Assert.Equal(0, harness.Registry.OpenCount);
        Assert.False(await harness.ItemExistsAsync(item)); // prepared, not committed
        // A Prepare that comes anyway (resent after a failover) finds it prepared.
        Assert.Equal(Vote.Yes, (await harness.Protocol.PrepareAsync(tx, Ct)).Vote);
        Assert.Equal(TxCoordinator.Contracts.ParticipantOutcome.Committed, (await harness.Protocol.CommitAsync(tx, onePhase: false, Ct)).Outcome);
        Assert.True(await harness.ItemExistsAsync(item));
    }

    [Fact]
    public async Task CompleteAsync_WorkWroteNothing_CommitsLocallyAndEnlistsReadOnly()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var work = await harness.Participant.EnlistAsync(tx, Ct);
        await using (var read = work.CreateCommand("SELECT count(*) FROM items"))
        {
            await read.ExecuteScalarAsync(Ct);
        }

        await work.CompleteAsync(Ct);

        Assert.Equal(Vote.ReadOnly, Assert.Single(harness.Coordinator.ParticipantsOf(tx)).Vote);
        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.Equal("committed", await harness.OutcomeAsync(tx));
    }

    [Theory]
    [InlineData(TransactionState.Aborted)]
    [InlineData(TransactionState.Preparing)]
    public async Task CompleteAsync_CoordinatorRefusesTheEnlistment_RollsThePreparedWorkBackAndThrows(TransactionState state)
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var (work, item) = await StartWorkAsync(harness, tx);
        harness.Coordinator.SetState(tx, state);

        var error = await Assert.ThrowsAsync<TransactionNotActiveException>(() => work.CompleteAsync(Ct).AsTask());

        Assert.Equal(HttpStatusCode.Conflict, error.StatusCode);
        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.Equal("aborted", await harness.OutcomeAsync(tx));
        Assert.False(await harness.ItemExistsAsync(item));
        Assert.Equal(0, harness.Registry.OpenCount);
    }

    [Fact]
    public async Task CompleteAsync_CoordinatorUnreachable_KeepsThePreparedWorkForRecovery()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var (work, _) = await StartWorkAsync(harness, tx);
        harness.Coordinator.Failure = new CoordinatorUnavailableException("down", null);

        await Assert.ThrowsAsync<CoordinatorUnavailableException>(() => work.CompleteAsync(Ct).AsTask());

        // The enlistment may have been recorded before the answer was lost: only the coordinator can say.
        Assert.Equal(1, await harness.PreparedCountAsync(tx));
        Assert.Equal(0, harness.Registry.OpenCount);
    }

    [Fact]
    public async Task EnlistAsync_AgainAfterTheWorkWasPrepared_CompleteFailsAndLeavesTheFirstWorkPrepared()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        await harness.DoWorkAsync(tx);

        var again = await StartLateWorkAsync(harness, tx);

        await Assert.ThrowsAsync<WorkNotPreparedException>(() => again.CompleteAsync(Ct).AsTask());

        Assert.Equal(1, await harness.PreparedCountAsync(tx));
        Assert.Equal(1, harness.Coordinator.EnlistCalls);
        Assert.Equal(0L, await harness.ScalarAsync("SELECT count(*) FROM items WHERE name = @p", LateItem));
    }

    [Fact]
    public async Task EnlistAsync_AgainAfterTheBranchCommitted_CompleteFailsAndTheLateWorkIsRolledBack()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var first = await harness.DoWorkAsync(tx);
        Assert.Equal(TxCoordinator.Contracts.ParticipantOutcome.Committed, (await harness.Protocol.CommitAsync(tx, onePhase: false, Ct)).Outcome);

        var again = await StartLateWorkAsync(harness, tx);

        var error = await Assert.ThrowsAsync<WorkNotPreparedException>(() => again.CompleteAsync(Ct).AsTask());

        Assert.Contains("already committed", error.Message);
        Assert.True(await harness.ItemExistsAsync(first));
        Assert.Equal(0L, await harness.ScalarAsync("SELECT count(*) FROM items WHERE name = @p", LateItem));
        Assert.Equal("committed", await harness.OutcomeAsync(tx));
        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.Equal(0, harness.Registry.OpenCount);
    }

    [Fact]
    public async Task EnlistAsync_AgainAfterTheBranchWasAborted_CompleteFailsAndKeepsTheBarrier()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        await harness.DoWorkAsync(tx);
        Assert.Equal(TxCoordinator.Contracts.ParticipantOutcome.Aborted, (await harness.Protocol.AbortAsync(tx, Ct)).Outcome);

        var again = await StartLateWorkAsync(harness, tx);

        var error = await Assert.ThrowsAsync<WorkNotPreparedException>(() => again.CompleteAsync(Ct).AsTask());

        Assert.Contains("already aborted", error.Message);
        Assert.Equal(0L, await harness.ScalarAsync("SELECT count(*) FROM items WHERE name = @p", LateItem));
        Assert.Equal("aborted", await harness.OutcomeAsync(tx));
        Assert.Equal(0, await harness.PreparedCountAsync(tx));
    }

    private const string LateItem = "late";

    /// <summary>Enlists again in <paramref name="tx"/> and inserts an item named <see cref="LateItem"/>, leaving the work open.</summary>
    private static async Task<ParticipantWork> StartLateWorkAsync(ParticipantHarness harness, Guid tx)
    {
        var work = await harness.Participant.EnlistAsync(tx, Ct);
        await using var insert = work.CreateCommand("INSERT INTO items (id, name) VALUES (gen_random_uuid(), @name)");
        insert.Parameters.AddWithValue("name", LateItem);
        await insert.ExecuteNonQueryAsync(Ct);
        return work;
    }

    /// <summary>Enlists and inserts one item, leaving the work open for the test to complete.</summary>
    private static async Task<(ParticipantWork Work, Guid Item)> StartWorkAsync(ParticipantHarness harness, Guid tx)
    {
        var item = Guid.NewGuid();
        var work = await harness.Participant.EnlistAsync(tx, Ct);
        await using var insert = work.CreateCommand("INSERT INTO items (id, name) VALUES (@id, 'thing')");
        insert.Parameters.AddWithValue("id", item);
        await insert.ExecuteNonQueryAsync(Ct);
        return (work, item);
    }
}
