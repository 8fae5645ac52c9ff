using Npgsql;
using TxCoordinator.Samples.Payments.Diagnostics;

namespace TxCoordinator.Samples.Payments.Schema;

/// <summary>Creates the sample's tables if missing (the demo's load runner seeds and checks exactly these).</summary>
public sealed class PaymentsSchemaInitializer(
    NpgsqlDataSource dataSource, PaymentsSchemaState state, TimeProvider timeProvider, ILogger<PaymentsSchemaInitializer> logger)
    : IHostedService
{
    private const int MaxAttempts = 10;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    public const string Sql = """
        CREATE TABLE IF NOT EXISTS wallets (
            customer_id text PRIMARY KEY,
            balance numeric(18,2) NOT NULL CHECK (balance >= 0));
        CREATE TABLE IF NOT EXISTS charges (
            order_id uuid PRIMARY KEY,
            transaction_id uuid NOT NULL,
            customer_id text NOT NULL,
            amount numeric(18,2) NOT NULL);
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
