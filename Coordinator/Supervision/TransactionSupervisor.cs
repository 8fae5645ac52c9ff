using Microsoft.Extensions.Options;
using TxCoordinator.Coordinator.Diagnostics;
using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Supervision;

/// <summary>
/// Keeps every transaction moving: times out the abandoned, resends the unanswered, and after a restart resumes
/// whatever was in flight (the stored record is all it needs, so "resume" is just the first sweep).
/// </summary>
internal sealed class TransactionSupervisor(
    TransactionEngine engine,
    IOptions<CoordinatorOptions> options,
    TimeProvider time,
    ILogger<TransactionSupervisor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            LogMessages.Resumed(logger, await engine.CountUnfinishedAsync(stoppingToken));
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogMessages.SweepFailed(logger, ex);
        }

        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        do
        {
            try
            {
                await engine.SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogMessages.SweepFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
