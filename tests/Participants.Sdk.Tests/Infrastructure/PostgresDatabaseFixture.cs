using Npgsql;
using TxCoordinator.TestInfrastructure;

namespace TxCoordinator.Participants.Sdk.Tests.Infrastructure;

/// <summary>
/// A fresh database per test class on the shared test server (<see cref="PostgresServer"/>: TXC_TEST_POSTGRES, else
/// Testcontainers, else the tests skip with the reason). Prepared transactions the tests leave behind are rolled back
/// from inside the database before it is dropped (ROLLBACK PREPARED must run in the database that prepared it).
/// </summary>
public sealed class PostgresDatabaseFixture : IAsyncLifetime
{
    private readonly PostgresServer _server = new();

    public string? ConnectionString { get; private set; }

    public async ValueTask InitializeAsync()
    {
        await _server.InitializeAsync();
        if (_server.SkipReason is null)
        {
            ConnectionString = await _server.CreateDatabaseAsync("txc_sdk_test");
        }
    }

    /// <summary>The test database's connection string; skips the test when no server is available.</summary>
    public string RequireConnectionString()
    {
        if (ConnectionString is null)
        {
            Assert.Skip(_server.SkipReason ?? "No PostgreSQL server for tests.");
        }

        return ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (ConnectionString is not null)
        {
            await RollBackPreparedAsync(ConnectionString);
        }

        await _server.DisposeAsync();
    }

    private static async Task RollBackPreparedAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var gids = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT gid FROM pg_prepared_xacts WHERE database = current_database()", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                gids.Add(reader.GetString(0));
            }
        }

        foreach (var gid in gids)
        {
            await using var rollback = new NpgsqlCommand($"ROLLBACK PREPARED '{gid.Replace("'", "''", StringComparison.Ordinal)}'", connection);
            await rollback.ExecuteNonQueryAsync();
        }
    }
}
