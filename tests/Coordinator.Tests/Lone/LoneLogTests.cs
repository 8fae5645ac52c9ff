using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Lone;
using TxCoordinator.Coordinator.Tests.Infrastructure;
using static TxCoordinator.Coordinator.Tests.Infrastructure.CoordinatorDatabase;

namespace TxCoordinator.Coordinator.Tests.Lone;

/// <summary>A lone coordinator's log against a migrated database: one holder, writes applied as the database took them.</summary>
public sealed class LoneLogTests() : DatabaseTests("txc_lone_log_test")
{
    private readonly List<LoneLog> _logs = [];

    public override async ValueTask DisposeAsync()
    {
        foreach (var log in _logs)
        {
            await log.StopAsync(CancellationToken.None);
            await log.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    [Fact]
    public async Task Append_WritesTheImageAndHoldsIt()
    {
        var log = await StartAsync();
        var image = Image(Guid.NewGuid(), 1, TransactionState.Active, vote: null);

        await log.AppendAsync(image, log.Epoch, Ct);

        Assert.Equal((TransactionState.Active, 1L), Stored(await Database.FindAsync(image.Id)));
        Assert.Same(image, log.Applied.Latest(image.Id));
        Assert.True(log.IsDeciding);
        Assert.Equal(1, log.Epoch);
    }

    [Fact]
    public async Task Append_ConcurrentChanges_AreAllWrittenAndHeld()
    {
        var log = await StartAsync();
        var images = Enumerable.Range(0, 200).Select(_ => Image(Guid.NewGuid(), 1, TransactionState.Active, vote: null)).ToList();

        await Task.WhenAll(images.Select(i => log.AppendAsync(i, log.Epoch, Ct)));

        await using var db = Database.NewContext();
        var ids = images.Select(i => i.Id).ToList();
        Assert.Equal(200, await db.Transactions.CountAsync(t => ids.Contains(t.Id), Ct));
        Assert.All(images, i => Assert.Same(i, log.Applied.Latest(i.Id)));
    }

    [Fact]
    public async Task Append_RevisionTheDatabaseHoldsAlready_IsRefusedAndTheCopyForgetsTheTransaction()
    {
        var log = await StartAsync();
        var id = Guid.NewGuid();
        await log.AppendAsync(Image(id, 1, TransactionState.Active, vote: null), log.Epoch, Ct);
        await log.AppendAsync(Image(id, 2, TransactionState.Preparing, Vote.Yes), log.Epoch, Ct);

        // Made from a copy older than the database: the database keeps its revision 2, and so must every reader.
        var stale = Image(id, 2, TransactionState.Aborting, Vote.No);
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => log.AppendAsync(stale, log.Epoch, Ct));

        Assert.Equal((TransactionState.Preparing, 2L), Stored(await Database.FindAsync(id)));
        Assert.Null(log.Applied.Latest(id));
    }

    [Fact]
    public async Task Start_AnotherLoneCoordinatorHoldsTheDatabase_FailsNamingIt()
    {
        await StartAsync();
        var second = New(TimeSpan.FromSeconds(2));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync(Ct));

        Assert.StartsWith("Another lone coordinator (connection from ", error.Message, StringComparison.Ordinal);
        Assert.Contains("run one lone coordinator per database", error.Message, StringComparison.Ordinal);
        Assert.False(second.IsDeciding);
    }

    [Fact]
    public async Task Stop_ReleasesTheDatabaseForTheNextCoordinator()
    {
        var first = await StartAsync();
        await first.StopAsync(Ct);
        await first.DisposeAsync();
        _logs.Remove(first);

        var next = await StartAsync();

        Assert.True(next.IsDeciding);
    }

    [Fact]
    public async Task ConnectionLost_FailsTheChangeStopsDecidingThenTakesTheDatabaseBackInANewTerm()
    {
        var log = await StartAsync();
        var held = Image(Guid.NewGuid(), 1, TransactionState.Active, vote: null);
        await log.AppendAsync(held, log.Epoch, Ct);

        await TerminateHolderAsync();
        var error = await Assert.ThrowsAsync<CoordinatorUnavailableException>(
            () => log.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, vote: null), log.Epoch, Ct));

        Assert.StartsWith("Writing to the coordinator's database failed", error.Message, StringComparison.Ordinal);
        // The next term starts from the database alone: nothing of the last is held.
        await WaitUntilAsync(() => log.IsDeciding && log.Epoch == 2);
        Assert.Null(log.Applied.Latest(held.Id));
        var after = Image(Guid.NewGuid(), 1, TransactionState.Active, vote: null);
        await log.AppendAsync(after, log.Epoch, Ct);
        Assert.Equal((TransactionState.Active, 1L), Stored(await Database.FindAsync(after.Id)));
    }

    [Fact]
    public async Task Append_ChangeMadeInAnEarlierTerm_IsRefusedNotWritten()
    {
        var log = await StartAsync();
        await TerminateHolderAsync();
        // The write that finds the connection gone ends term 1; the next lock starts term 2.
        await Assert.ThrowsAsync<CoordinatorUnavailableException>(
            () => log.AppendAsync(Image(Guid.NewGuid(), 1, TransactionState.Active, vote: null), 1, Ct));
        await WaitUntilAsync(() => log.IsDeciding && log.Epoch == 2);

        // Made from what term 1 held, by a caller preempted across the new term's start: term 2 may have overruled it.
        var stale = Image(Guid.NewGuid(), 1, TransactionState.Active, vote: null);
        var error = await Assert.ThrowsAsync<CoordinatorUnavailableException>(() => log.AppendAsync(stale, 1, Ct));

        Assert.StartsWith("The change was made before this coordinator's term changed", error.Message, StringComparison.Ordinal);
        Assert.Null(await Database.FindAsync(stale.Id));
        Assert.Null(log.Applied.Latest(stale.Id));
    }

    private async Task<LoneLog> StartAsync()
    {
        var log = New(TimeSpan.FromSeconds(10));
        await log.StartAsync(Ct);
        return log;
    }

    private LoneLog New(TimeSpan startTimeout)
    {
        var log = new LoneLog(Database.ConnectionString, startTimeout, NullLogger<LoneLog>.Instance);
        _logs.Add(log);
        return log;
    }

    private async Task TerminateHolderAsync()
    {
        await using var command = Database.DataSource.CreateCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND granted " +
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) " + // not other tests' coordinators
            "AND classid = (@key >> 32)::oid AND objid = (@key & 4294967295)::oid");
        command.Parameters.AddWithValue("key", LoneLog.LockKey);
        Assert.Equal(1L, await command.ExecuteScalarAsync(Ct));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    private static (TransactionState, long) Stored((TransactionState State, long Revision, List<Vote?> Votes)? stored) =>
        stored is { } s ? (s.State, s.Revision) : throw new InvalidOperationException("Not in the database.");
}
