using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace TxCoordinator.Participants.Storage;

/// <summary>Ready when the participant's database answers.</summary>
internal sealed class ParticipantDatabaseHealthCheck(ParticipantDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The participant's PostgreSQL database is unreachable.", ex);
        }
    }
}
