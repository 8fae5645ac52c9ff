using Npgsql;
using TxCoordinator.Bench.Cli;
using TxCoordinator.Bench.Workload;
using TxCoordinator.TestInfrastructure;

namespace TxCoordinator.Bench.Tests.Workload;

/// <summary>Re-seeding the sample tables, as every order phase does first.</summary>
public sealed class OrderStreamTests : IAsyncLifetime
{
    private readonly PostgresServer _postgres = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => _postgres.InitializeAsync();

    public ValueTask DisposeAsync() => _postgres.DisposeAsync();

    [Fact]
    public async Task Seed_DeadlockedByAnotherLoad_FailsWithAClearMessage()
    {
        _postgres.RequireAvailable();
        await using var inventory = NpgsqlDataSource.Create(await _postgres.CreateDatabaseAsync("bench_inventory", Ct));
        await using var payments = NpgsqlDataSource.Create(await _postgres.CreateDatabaseAsync("bench_payments", Ct));
        await OrderStream.SeedAsync(inventory, payments, seed: 1, TimeProvider.System, TextWriter.Null, Ct);

        // Another load's transaction: it writes stock, then reservations. The seeder empties reservations, then stock.
        await using var other = await inventory.OpenConnectionAsync(Ct);
        await using var transaction = await other.BeginTransactionAsync(Ct);
        await ExecuteAsync(other, "LOCK TABLE stock IN ROW EXCLUSIVE MODE");
        var seeding = OrderStream.SeedAsync(inventory, payments, seed: 1, TimeProvider.System, TextWriter.Null, Ct);
        await WaitUntilWaitingForAsync(inventory, "stock");
        var otherGoesOn = ExecuteAsync(other, "LOCK TABLE reservations IN ROW EXCLUSIVE MODE");

        var failure = await Assert.ThrowsAsync<UnreachableException>(() => seeding.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Contains("could not re-seed the sample tables", failure.Message, StringComparison.Ordinal);
        Assert.Contains("is another load running", failure.Message, StringComparison.Ordinal);
        await otherGoesOn.WaitAsync(TimeSpan.FromSeconds(30), Ct); // PostgreSQL chose the seeder as the deadlock's victim
        await transaction.RollbackAsync(Ct);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task WaitUntilWaitingForAsync(NpgsqlDataSource database, string table)
    {
        await using var waiting = database.CreateCommand(
            """
            SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
            WHERE NOT l.granted AND c.relname = @table
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """);
        waiting.Parameters.AddWithValue("table", table);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((long)(await waiting.ExecuteScalarAsync(Ct))! == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"nothing waited for a lock on {table} within 30 s");
            await Task.Delay(20, Ct);
        }
    }
}
