using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TxCoordinator.Participants.Diagnostics;
using TxCoordinator.Participants.Participation;

namespace TxCoordinator.Participants.Branches;

/// <summary>
/// Rolls back open local work that saw no Prepare, Commit or Abort by the transaction's deadline plus
/// <see cref="ParticipantOptions.OpenWorkTimeoutGrace"/>, and leaves the barrier: the coordinator has aborted it by then,
/// and the open transaction would otherwise hold its locks and a connection for ever.
/// </summary>
internal sealed class OpenWorkReaper(
    BranchRegistry registry,
    BranchTerminator terminator,
    TimeProvider timeProvider,
    IOptions<ParticipantOptions> options,
    ILogger<OpenWorkReaper> logger) : BackgroundService
{
    /// <summary>How often the registry is scanned; expiry is therefore late by at most this much.</summary>
    public static readonly TimeSpan ScanInterval = TimeSpan.FromSeconds(1);

    /// <summary>One scan; returns how many transactions were rolled back.</summary>
    public async Task<int> ReapAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = timeProvider.GetUtcNow() - options.Value.OpenWorkTimeoutGrace;
        var reaped = 0;
        foreach (var (transactionId, gid) in registry.FindOpenBefore(cutoff))
        {
            // Work still running holds the lock: it is checked again on the next scan, once the work lets go.
            using var lease = registry.TryAcquire(transactionId, gid);
            if (lease?.Branch.Local is not { } local || local.Deadline >= cutoff)
            {
                continue;
            }

            lease.Branch.Detach();
            await terminator.AbortLocalAsync(local, cancellationToken);
            ParticipantsDiagnostics.Expired.Add(1);
            LogMessages.OpenWorkExpired(logger, transactionId, local.Deadline);
            reaped++;
        }

        return reaped;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ScanInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await ReapAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogMessages.ExpiryFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
