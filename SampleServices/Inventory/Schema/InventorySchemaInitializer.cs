using Npgsql;
using TxCoordinator.Samples.Inventory.Diagnostics;

namespace TxCoordinator.Samples.Inventory.Schema;

/// <summary>Creates the sample's tables if missing (the demo's load runner seeds and checks exactly these).</summary>
public sealed class InventorySchemaInitializer(
    NpgsqlDataSource dataSource, InventorySchemaState state, TimeProvider timeProvider, ILogger<InventorySchemaInitializer> logger)
    : IHostedService
{
    private const int MaxAttempts = 10;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    public const string Sql = """
        CREATE TABLE IF NOT EXISTS stock (
            sku text PRIMARY KEY,
            quantity integer NOT NULL CHECK (quantity >= 0));
        CREATE TABLE IF NOT EXISTS reservations (
            order_id uuid PRIMARY KEY,
            transaction_id uuid NOT NULL,
            sku text NOT NULL,
            quantity integer NOT NULL);
        """;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var command = dataSource.CreateCommand(Sql);
                await command.ExecuteNonQueryAsync(cancellationToken);
                state.MarkReady();
                LogMessages.SchemaReady(logger);
                return;
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
            {
                // Another instance created the tables at the same moment.
                state.MarkReady();
                return;
            }
            catch (NpgsqlException ex) when (attempt < MaxAttempts)
            {
                LogMessages.SchemaRetry(logger, attempt, MaxAttempts, ex);
                await Task.Delay(RetryDelay, timeProvider, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
