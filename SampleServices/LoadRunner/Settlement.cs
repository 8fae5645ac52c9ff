using Npgsql;

namespace TxCoordinator.Samples.LoadRunner;

/// <summary>The state once the system has settled, or once we stopped waiting for it.</summary>
/// <param name="InDoubt">Coordinator transactions not Committed or Aborted; null when the coordinator's table could not be read.</param>
public sealed record SettlementResult(long? InDoubt, long PreparedInInventory, long PreparedInPayments, string? CoordinatorError);

/// <summary>
/// Phase two runs after the client got its answer, so the checker first waits until every coordinator transaction is
/// final and no prepared transaction is left in the participants' databases.
/// </summary>
public sealed class Settlement(
    NpgsqlDataSource inventory, NpgsqlDataSource payments, NpgsqlDataSource coordinator, TimeProvider timeProvider, TextWriter report)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public async Task<SettlementResult> WaitAsync(CancellationToken cancellationToken = default)
    {
        var started = timeProvider.GetTimestamp();
        while (true)
        {
            var result = await ReadAsync(cancellationToken);
            var settled = result.InDoubt is null or 0 && result.PreparedInInventory == 0 && result.PreparedInPayments == 0;
            if (settled || timeProvider.GetElapsedTime(started) > Timeout)
            {
                var waited = timeProvider.GetElapsedTime(started).TotalSeconds;
                await report.WriteLineAsync(settled
                    ? $"[loadrunner] settled after {waited:0.0} s"
                    : $"[loadrunner] not settled after {waited:0.0} s: {result.InDoubt} transaction(s) unfinished, " +
                      $"{result.PreparedInInventory} + {result.PreparedInPayments} prepared transaction(s) in Inventory + Payments");
                return result;
            }

            await Task.Delay(PollInterval, timeProvider, cancellationToken);
        }
    }

    private async Task<SettlementResult> ReadAsync(CancellationToken cancellationToken)
    {
        long? inDoubt = null;
        string? error = null;
        try
        {
            await using var command = coordinator.CreateCommand(
                "SELECT count(*) FROM transactions WHERE state NOT IN ('Committed', 'Aborted')");
            inDoubt = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (NpgsqlException ex)
        {
            error = $"cannot read the coordinator's transactions (table transactions, column state): {ex.Message}";
        }

        return new SettlementResult(
            inDoubt,
            await CountPreparedAsync(inventory, cancellationToken),
            await CountPreparedAsync(payments, cancellationToken),
            error);
    }

    // Only this database's: the server may be shared with other runs and tests.
    private static async Task<long> CountPreparedAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database()");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
