using Npgsql;

namespace TxCoordinator.Bench.Workload;

/// <summary>
/// The Inventory and Payments samples' tables, created here too so that the peers without those services (floor,
/// saga) work on exactly the same tables. Kept equal to the samples' own SQL by a test.
/// </summary>
public static class SampleSchema
{
    public const string InventorySql = """
        CREATE TABLE IF NOT EXISTS stock (
            sku text PRIMARY KEY,
            quantity integer NOT NULL CHECK (quantity >= 0));
        CREATE TABLE IF NOT EXISTS reservations (
            order_id uuid PRIMARY KEY,
            transaction_id uuid NOT NULL,
            sku text NOT NULL,
            quantity integer NOT NULL);
        """;

    public const string PaymentsSql = """
        CREATE TABLE IF NOT EXISTS wallets (
            customer_id text PRIMARY KEY,
            balance numeric(18,2) NOT NULL CHECK (balance >= 0));
        CREATE TABLE IF NOT EXISTS charges (
            order_id uuid PRIMARY KEY,
            transaction_id uuid NOT NULL,
            customer_id text NOT NULL,
            amount numeric(18,2) NOT NULL);
        """;

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
