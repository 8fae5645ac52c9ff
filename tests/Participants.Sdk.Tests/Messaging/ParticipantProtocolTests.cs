using TxCoordinator.Contracts;
using TxCoordinator.Participants.Sdk.Tests.Infrastructure;

namespace TxCoordinator.Participants.Sdk.Tests.Messaging;

public sealed class ParticipantProtocolTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<ParticipantHarness> CreateHarnessAsync() => ParticipantHarness.CreateAsync(database.RequireConnectionString());

    [Fact]
    public async Task Prepare_AfterWork_VotesYesAndLeavesPreparedTransaction()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var item = await harness.DoWorkAsync(tx);

        var result = await harness.Protocol.PrepareAsync(tx, Ct);

        Assert.Equal(Vote.Yes, result.Vote);
        Assert.Equal(1, await harness.PreparedCountAsync(tx));
        Assert.False(await harness.ItemExistsAsync(item)); // prepared, not yet committed
        Assert.Equal(0, harness.Registry.OpenCount);
    }

    [Fact]
    public async Task Prepare_Twice_VotesYesTwiceWithOnePreparedTransaction()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        await harness.DoWorkAsync(tx);

        var first = await harness.Protocol.PrepareAsync(tx, Ct);
        var second = await harness.Protocol.PrepareAsync(tx, Ct);

        Assert.Equal(Vote.Yes, first.Vote);
        Assert.Equal(Vote.Yes, second.Vote);
        Assert.Equal(1, await harness.PreparedCountAsync(tx));
    }

    [Fact]
    public async Task Prepare_WorkEnlistedAgainAfterCommit_VotesTheRecordedYesAndRollsTheLateWorkBack()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var first = await harness.DoWorkAsync(tx);
        await harness.Protocol.PrepareAsync(tx, Ct);
        await harness.Protocol.CommitAsync(tx, onePhase: false, Ct);
        var late = await harness.DoWorkAsync(tx);

        var result = await harness.Protocol.PrepareAsync(tx, Ct);

        Assert.Equal(Vote.Yes, result.Vote);
        Assert.True(await harness.ItemExistsAsync(first));
        Assert.False(await harness.ItemExistsAsync(late));
        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.Equal(0, harness.Registry.OpenCount);
    }

    [Fact]
    public async Task Prepare_WorkEnlistedAgainWhileTheBranchIsPrepared_VotesTheRecordedYesWithinTheLockTimeout()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var first = await harness.DoWorkAsync(tx);
        await harness.Protocol.PrepareAsync(tx, Ct);
        var late = await harness.DoWorkAsync(tx);

        var result = await harness.Protocol.PrepareAsync(tx, Ct).WaitAsync(TimeSpan.FromSeconds(5), Ct);

        Assert.Equal(Vote.Yes, result.Vote);
        Assert.Equal(1, await harness.PreparedCountAsync(tx));
        Assert.Equal(0, harness.Registry.OpenCount);
        await harness.Protocol.CommitAsync(tx, onePhase: false, Ct);
        Assert.True(await harness.ItemExistsAsync(first));
        Assert.False(await harness.ItemExistsAsync(late));
    }

    [Fact]
    public async Task Commit_Twice_CommitsOnceAndAcknowledgesBoth()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var item = await harness.DoWorkAsync(tx);
        await harness.Protocol.PrepareAsync(tx, Ct);

        var first = await harness.Protocol.CommitAsync(tx, onePhase: false, Ct);
        var second = await harness.Protocol.CommitAsync(tx, onePhase: false, Ct);

        Assert.Equal(ParticipantOutcome.Committed, first.Outcome);
        Assert.Equal(ParticipantOutcome.Committed, second.Outcome);
        Assert.True(await harness.ItemExistsAsync(item));
        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.Equal("committed", await harness.OutcomeAsync(tx));
    }

    [Fact]
    public async Task Prepare_AfterCommit_VotesYes()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        await harness.DoWorkAsync(tx);
        await harness.Protocol.PrepareAsync(tx, Ct);
        await harness.Protocol.CommitAsync(tx, onePhase: false, Ct);

        var late = await harness.Protocol.PrepareAsync(tx, Ct);

        Assert.Equal(Vote.Yes, late.Vote);
    }

    [Fact]
    public async Task Commit_PreparedTransactionFinishedElsewhere_ReadsOutcomeAndAcknowledgesCommitted()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var item = await harness.DoWorkAsync(tx);
        await harness.Protocol.PrepareAsync(tx, Ct);
        await harness.ExecuteAsync($"COMMIT PREPARED '{ParticipantHarness.Gid(tx)}'");

        var result = await harness.Protocol.CommitAsync(tx, onePhase: false, Ct);

        Assert.Equal(ParticipantOutcome.Committed, result.Outcome);
        Assert.True(await harness.ItemExistsAsync(item));
    }

    [Fact]
    public async Task Abort_BeforePrepare_LatePrepareVotesNoAndNothingIsPrepared()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var item = await harness.DoWorkAsync(tx);

        var abort = await harness.Protocol.AbortAsync(tx, Ct);
        var late = await harness.Protocol.PrepareAsync(tx, Ct);

        Assert.Equal(ParticipantOutcome.Aborted, abort.Outcome);
        Assert.Equal(Vote.No, late.Vote);
        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.False(await harness.ItemExistsAsync(item));
        Assert.Equal("aborted", await harness.OutcomeAsync(tx));
    }

    [Fact]
    public async Task Abort_AfterPrepare_RollsBackPreparedTransaction()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var item = await harness.DoWorkAsync(tx);
        await harness.Protocol.PrepareAsync(tx, Ct);

        var first = await harness.Protocol.AbortAsync(tx, Ct);
        var second = await harness.Protocol.AbortAsync(tx, Ct);

        Assert.Equal(ParticipantOutcome.Aborted, first.Outcome);
        Assert.Equal(ParticipantOutcome.Aborted, second.Outcome);
        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.False(await harness.ItemExistsAsync(item));
        Assert.Equal("aborted", await harness.OutcomeAsync(tx));
    }

    [Fact]
    public async Task Prepare_ReadOnlyWork_VotesReadOnlyAndPreparesNothing()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        await using (var work = await harness.Participant.EnlistAsync(tx, Ct))
        {
            await using var read = work.CreateCommand("SELECT count(*) FROM items");
            await read.ExecuteScalarAsync(Ct);
            await work.CompleteAsync(Ct);
        }

        var result = await harness.Protocol.PrepareAsync(tx, Ct);
        var duplicate = await harness.Protocol.PrepareAsync(tx, Ct);

        Assert.Equal(Vote.ReadOnly, result.Vote);
        Assert.NotEqual(Vote.No, duplicate.Vote); // a resent Prepare must not turn into an abort
        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.Equal(0, harness.Registry.OpenCount);
    }

    [Fact]
    public async Task Prepare_FailedWork_VotesNo()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var work = await harness.Participant.EnlistAsync(tx, Ct);
        await using (var insert = work.CreateCommand("INSERT INTO items (id, name) VALUES (gen_random_uuid(), 'x')"))
        {
            await insert.ExecuteNonQueryAsync(Ct);
        }

        await work.FailAsync("out of stock", Ct);
        var result = await harness.Protocol.PrepareAsync(tx, Ct);

        Assert.Equal(Vote.No, result.Vote);
        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.Equal("aborted", await harness.OutcomeAsync(tx));
    }

    [Fact]
    public async Task Prepare_WorkDisposedWithoutComplete_VotesNo()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var item = Guid.Empty;
        await using (var work = await harness.Participant.EnlistAsync(tx, Ct))
        {
            await using var insert = work.CreateCommand("INSERT INTO items (id, name) VALUES (@id, 'x')");
            item = Guid.NewGuid();
            insert.Parameters.AddWithValue("id", item);
            await insert.ExecuteNonQueryAsync(Ct);
        }

        var result = await harness.Protocol.PrepareAsync(tx, Ct);

        Assert.Equal(Vote.No, result.Vote);
        Assert.False(await harness.ItemExistsAsync(item));
    }

    [Fact]
    public async Task Prepare_WorkWithFailedStatement_VotesNoAndPreparesNothing()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var work = await harness.Participant.EnlistAsync(tx, Ct);
        await using (var bad = work.CreateCommand("INSERT INTO no_such_table VALUES (1)"))
        {
            await Assert.ThrowsAsync<Npgsql.PostgresException>(() => bad.ExecuteNonQueryAsync(Ct));
        }

        await work.CompleteAsync(Ct); // a careless caller: the local transaction is already aborted
        var result = await harness.Protocol.PrepareAsync(tx, Ct);

        Assert.Equal(Vote.No, result.Vote);
        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.Equal("aborted", await harness.OutcomeAsync(tx));
    }

    [Fact]
    public async Task Prepare_UnknownTransaction_VotesNoAndWritesBarrier()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();

        var result = await harness.Protocol.PrepareAsync(tx, Ct);

        Assert.Equal(Vote.No, result.Vote);
        Assert.Equal("aborted", await harness.OutcomeAsync(tx));
    }

    [Fact]
    public async Task Commit_OnePhase_CommitsWorkAndRecordsOutcome()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var item = await harness.DoWorkAsync(tx);

        var result = await harness.Protocol.CommitAsync(tx, onePhase: true, Ct);
        var duplicate = await harness.Protocol.CommitAsync(tx, onePhase: true, Ct);

        Assert.Equal(ParticipantOutcome.Committed, result.Outcome);
        Assert.Equal(ParticipantOutcome.Committed, duplicate.Outcome);
        Assert.True(await harness.ItemExistsAsync(item));
        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.Equal("committed", await harness.OutcomeAsync(tx));
    }

    [Fact]
    public async Task Commit_OnePhaseUnknownTransaction_AcknowledgesAborted()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();

        var result = await harness.Protocol.CommitAsync(tx, onePhase: true, Ct);

        Assert.Equal(ParticipantOutcome.Aborted, result.Outcome);
        Assert.NotNull(result.Reason);
        Assert.Equal("aborted", await harness.OutcomeAsync(tx));
    }

    [Fact]
    public async Task Commit_TwoPhaseWithoutPrepare_AcknowledgesAbortedAndRollsBack()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var item = await harness.DoWorkAsync(tx);

        var result = await harness.Protocol.CommitAsync(tx, onePhase: false, Ct);

        Assert.Equal(ParticipantOutcome.Aborted, result.Outcome);
        Assert.False(await harness.ItemExistsAsync(item));
        Assert.Equal("aborted", await harness.OutcomeAsync(tx));
    }

    [Fact]
    public async Task Commit_AfterAbort_AcknowledgesAbortedAndCommitsNothing()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        var item = await harness.DoWorkAsync(tx);
        await harness.Protocol.PrepareAsync(tx, Ct);
        await harness.Protocol.AbortAsync(tx, Ct);

        var result = await harness.Protocol.CommitAsync(tx, onePhase: false, Ct);

        Assert.Equal(ParticipantOutcome.Aborted, result.Outcome);
        Assert.False(await harness.ItemExistsAsync(item));
    }

    [Fact]
    public async Task Prepare_ConcurrentDuplicates_PrepareOnce()
    {
        await using var harness = await CreateHarnessAsync();
        var tx = Guid.NewGuid();
        await harness.DoWorkAsync(tx);

        var votes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => harness.Protocol.PrepareAsync(tx, Ct)));

        Assert.All(votes, v => Assert.Equal(Vote.Yes, v.Vote));
        Assert.Equal(1, await harness.PreparedCountAsync(tx));
    }
}
