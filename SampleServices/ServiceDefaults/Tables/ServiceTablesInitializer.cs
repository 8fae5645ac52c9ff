using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TxCoordinator.ServiceDefaults.Diagnostics;

namespace TxCoordinator.ServiceDefaults.Tables;

/// <summary>Creates the service's tables if missing, retrying while PostgreSQL starts.</summary>
internal sealed class ServiceTablesInitializer(
    NpgsqlDataSource dataSource, ServiceTables tables, TimeProvider timeProvider, ILogger<ServiceTablesInitializer> logger)
    : IHostedService
{
    private const int MaxAttempts = 10;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var command = dataSource.CreateCommand(tables.Sql);
                await command.ExecuteNonQueryAsync(cancellationToken);
                tables.MarkReady();
                LogMessages.TablesReady(logger, tables.Service);
                return;
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
            {
                // Another instance created the tables at the same moment.
                tables.MarkReady();
                return;
            }
            catch (NpgsqlException ex) when (attempt < MaxAttempts)
            {
                LogMessages.TablesRetry(logger, tables.Service, attempt, MaxAttempts, ex);
                await Task.Delay(RetryDelay, timeProvider, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
