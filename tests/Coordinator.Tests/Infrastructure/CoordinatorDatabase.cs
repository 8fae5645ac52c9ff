using Microsoft.EntityFrameworkCore;
using Npgsql;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.TestInfrastructure;

namespace TxCoordinator.Coordinator.Tests.Infrastructure;

/// <summary>
/// A migrated coordinator database of its own for a test class (on the test PostgreSQL server), with the helpers
/// the applier's tests share: images to write and the state a transaction has in the database.
/// </summary>
internal sealed class CoordinatorDatabase(string name) : IAsyncLifetime
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private readonly PostgresServer _server = new();
    private NpgsqlDataSource? _dataSource;
    private string? _connectionString;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _server.InitializeAsync();
        if (_server.SkipReason is not null)
        {
            return;
        }

        _connectionString = await _server.CreateDatabaseAsync(name, Ct);
        _dataSource = NpgsqlDataSource.Create(_connectionString);
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

    /// <summary>The database's data source; skips the test when no PostgreSQL server is available.</summary>
    public NpgsqlDataSource DataSource
    {
        get
        {
            if (_dataSource is null)
            {
                Assert.Skip(_server.SkipReason ?? "No PostgreSQL server for tests.");
            }

            return _dataSource;
        }
    }

    /// <summary>The database's connection string; skips the test when no PostgreSQL server is available.</summary>
    public string ConnectionString
    {
        get
        {
            _ = DataSource;
            return _connectionString!;
        }
    }

    public CoordinatorDbContext NewContext() =>
        new(new DbContextOptionsBuilder<CoordinatorDbContext>().UseNpgsql(DataSource).Options);

    /// <summary>The transaction as stored, with its participants' votes by participant id; null when absent.</summary>
    public async Task<(TransactionState State, long Revision, List<Vote?> Votes)?> FindAsync(Guid id)
    {
        await using var db = NewContext();
        var tx = await db.Transactions.AsNoTracking().Include(t => t.Participants).SingleOrDefaultAsync(t => t.Id == id, Ct);
        return tx is null ? null : (tx.State, tx.Revision, [.. tx.Participants.OrderBy(p => p.ParticipantId).Select(p => p.Vote)]);
    }

    /// <summary>An image of a transaction with two participants that both voted <paramref name="vote"/> (or not yet).</summary>
    public static TransactionImage Image(Guid id, long revision, TransactionState state, Vote? vote) =>
        new(id, state, At, At.AddSeconds(30), null, null, null, null, false, false, [], [], revision,
        [
            .. new[] { "inventory", "payments" }.Select(p => new ParticipantImage(
                id, p, "txc-participant-" + p, At, vote, null, vote is null ? null : At, null, null, 1, At, revision)),
        ]);
}
