using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TxCoordinator.Participants.Diagnostics;
using TxCoordinator.Participants.Participation;

namespace TxCoordinator.Participants.Recovery;

/// <summary>Runs <see cref="ParticipantRecovery"/> at start-up and then every <see cref="ParticipantOptions.RecoveryInterval"/>.</summary>
internal sealed class RecoveryService(
    ParticipantRecovery recovery,
    TimeProvider timeProvider,
    IOptions<ParticipantOptions> options,
    ILogger<RecoveryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.RecoveryInterval;
        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            do
            {
                try
                {
                    await recovery.RecoverAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogMessages.RecoveryFailed(logger, interval, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
