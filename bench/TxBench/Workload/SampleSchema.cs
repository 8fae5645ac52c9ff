using Npgsql;

namespace TxCoordinator.Bench.Workload;

/// <summary>
/// Tables the bench creates itself: the Inventory and Payments samples' (<c>InventoryTables</c>, <c>PaymentsTables</c>,
/// their own source compiled in), so that the peers without those services (floor, saga) work on exactly the same
/// tables, and the bench participants' own.
/// </summary>
public static class SampleSchema
{
    /// <summary>The bench participants' table: one row per transaction and participant, holding the payload.</summary>
    public const string PayloadSql = """
        CREATE TABLE IF NOT EXISTS bench_payloads (
            transaction_id uuid NOT NULL,
            participant text NOT NULL,
            body bytea NOT NULL,
            PRIMARY KEY (transaction_id, participant));
        """;

    public static async Task EnsureAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(sql);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
        {
            // Created by the service at the same moment.
        }
    }
}
