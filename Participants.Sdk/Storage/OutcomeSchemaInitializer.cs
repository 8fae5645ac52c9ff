using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TxCoordinator.Participants.Diagnostics;

namespace TxCoordinator.Participants.Storage;

/// <summary>Creates txc_outcomes at start-up, before the bus starts consuming; a database still starting gets a few tries.</summary>
internal sealed class OutcomeSchemaInitializer(OutcomeStore store, TimeProvider timeProvider, ILogger<OutcomeSchemaInitializer> logger)
    : IHostedService
{
    private const int MaxAttempts = 5;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.EnsureSchemaAsync(cancellationToken);
                LogMessages.SchemaReady(logger);
                return;
            }
            catch (Exception ex) when (attempt < MaxAttempts && ex is NpgsqlException or TimeoutException)
            {
                LogMessages.SchemaRetry(logger, attempt, MaxAttempts, ex);
                await Task.Delay(RetryDelay, timeProvider, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
