using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace TxCoordinator.Participants.Storage;

/// <summary>
/// Ready when the participant's database answers and can hold prepared transactions: with
/// <c>max_prepared_transactions = 0</c> (PostgreSQL's default) every PREPARE TRANSACTION fails, so the service would
/// vote No on every transaction; better to say so before it takes any.
/// </summary>
internal sealed class ParticipantDatabaseHealthCheck(ParticipantDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        int maxPrepared;
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT current_setting('max_prepared_transactions')::int", connection);
            maxPrepared = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The participant's PostgreSQL database is unreachable.", ex);
        }

        return Evaluate(maxPrepared, context.Registration.FailureStatus);
    }

    internal static HealthCheckResult Evaluate(int maxPreparedTransactions, HealthStatus failureStatus) =>
        maxPreparedTransactions > 0
            ? HealthCheckResult.Healthy(
                null, new Dictionary<string, object> { ["max_prepared_transactions"] = maxPreparedTransactions })
            : new HealthCheckResult(failureStatus,
                "The participant's PostgreSQL server has max_prepared_transactions = 0, so it cannot prepare (vote Yes on) any " +
                "transaction: restart it with max_prepared_transactions at least the number of branches prepared at once across " +
                "the participants using it, those waiting for the decision and those waiting for their commit (e.g. -c max_prepared_transactions=1000).");
}
