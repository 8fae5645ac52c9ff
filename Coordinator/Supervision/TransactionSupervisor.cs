using Microsoft.Extensions.Options;
using TxCoordinator.Coordinator.Diagnostics;
using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Supervision;

/// <summary>
/// Keeps every transaction moving: times out the abandoned, resends the unanswered, and whenever this coordinator
/// starts deciding (at start-up alone, on each election won when replicated) re-drives whatever was in flight; the
/// stored record is all it needs. A replica that is not the leader leaves all this to the leader.
/// </summary>
internal sealed class TransactionSupervisor(
    TransactionEngine engine,
    IDecisionLog log,
    IOptions<CoordinatorOptions> options,
    TimeProvider time,
    ILogger<TransactionSupervisor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long resumedEpoch = 0;
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        do
        {
            if (!log.IsDeciding)
            {
                continue;
            }

            try
            {
                var epoch = log.Epoch;
                if (epoch != resumedEpoch)
                {
                    await engine.ResumeAllAsync(stoppingToken);
                    resumedEpoch = epoch;
                }

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
