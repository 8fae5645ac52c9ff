using Microsoft.EntityFrameworkCore;
using Npgsql;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.TestInfrastructure;

namespace TxCoordinator.Coordinator.Tests.Cluster;

/// <summary>The applier's write against a migrated coordinator database: the highest revision wins, whatever the order.</summary>
public sealed class TransactionImageWriterTests : IAsyncLifetime
{
    private readonly PostgresServer _server = new();
    private NpgsqlDataSource? _dataSource;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _server.InitializeAsync();
        if (_server.SkipReason is not null)
        {
            return;
        }

        _dataSource = NpgsqlDataSource.Create(await _server.CreateDatabaseAsync("txc_writer_test", Ct));
        await using var db = NewContext();
        await db.Database.MigrateAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        await _server.DisposeAsync();
    }

    [Fact]
    public async Task NewerRevision_ReplacesTheTransactionAndItsParticipants()
    {
        var writer = Writer();
        var id = Guid.NewGuid();
        await writer.WriteAsync([Image(id, 1, TransactionState.Active, vote: null)], Ct);
        await writer.WriteAsync([Image(id, 2, TransactionState.Preparing, Vote.Yes)], Ct);

        var (state, revision, votes) = await ReadAsync(id);
        Assert.Equal((TransactionState.Preparing, 2L), (state, revision));
        Assert.Equal([Vote.Yes, Vote.Yes], votes);
    }

    [Fact]
    public async Task OlderOrReplayedRevision_ChangesNeitherTheTransactionNorItsParticipants()
    {
        var writer = Writer();
        var id = Guid.NewGuid();
        await writer.WriteAsync([Image(id, 3, TransactionState.Committing, Vote.Yes)], Ct);

        await writer.WriteAsync([Image(id, 2, TransactionState.Preparing, Vote.No)], Ct);
        await writer.WriteAsync([Image(id, 3, TransactionState.Aborting, Vote.No)], Ct);

        var (state, revision, votes) = await ReadAsync(id);
        Assert.Equal((TransactionState.Committing, 3L), (state, revision));
        Assert.Equal([Vote.Yes, Vote.Yes], votes);
    }

    [Fact]
    public async Task OneBatch_ManyTransactions_KeepsTheNewestImageOfEach()
    {
        var writer = Writer();
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        await writer.WriteAsync(
            [Image(a, 1, TransactionState.Active, null), Image(b, 1, TransactionState.Active, null), Image(a, 2, TransactionState.Preparing, Vote.Yes)],
            Ct);

        var (stateA, revisionA, votesA) = await ReadAsync(a);
        Assert.Equal((TransactionState.Preparing, 2L), (stateA, revisionA));
        Assert.Equal([Vote.Yes, Vote.Yes], votesA);
        Assert.Equal((TransactionState.Active, 1L), ((await ReadAsync(b)).State, (await ReadAsync(b)).Revision));
    }

    private TransactionImageWriter Writer() => new(RequireDataSource());

    private NpgsqlDataSource RequireDataSource()
    {
        if (_dataSource is null)
        {
            Assert.Skip(_server.SkipReason ?? "No PostgreSQL server for tests.");
        }

        return _dataSource;
    }

    private CoordinatorDbContext NewContext() =>
        new(new DbContextOptionsBuilder<CoordinatorDbContext>().UseNpgsql(RequireDataSource()).Options);

    private async Task<(TransactionState State, long Revision, List<Vote?> Votes)> ReadAsync(Guid id)
    {
        await using var db = NewContext();
        var tx = await db.Transactions.AsNoTracking().Include(t => t.Participants).SingleAsync(t => t.Id == id, Ct);
        return (tx.State, tx.Revision, [.. tx.Participants.OrderBy(p => p.ParticipantId).Select(p => p.Vote)]);
    }

    private static TransactionImage Image(Guid id, long revision, TransactionState state, Vote? vote)
    {
        var at = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
        return new TransactionImage(id, state, at, at.AddSeconds(30), null, null, null, null, false, [], [], revision,
        [
            .. new[] { "inventory", "payments" }.Select(p => new ParticipantImage(
                id, p, "txc-participant-" + p, at, vote, null, vote is null ? null : at, null, null, 1, at, revision)),
        ]);
    }
}
