using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Diagnostics;
using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Supervision;

/// <summary>
/// Deletes transactions finished longer ago than <see cref="CoordinatorOptions.FinishedRetention"/>, with their
/// participants. Without it the table, and with it every replica's snapshot, grows with every transaction ever run.
/// Every replica purges its own database (a follower's is its own copy, and a snapshot is read from it); what is
/// deleted is finished, so no replica, leading or not, needs it to decide anything.
/// </summary>
internal sealed class FinishedTransactionsPurger(
    IDbContextFactory<CoordinatorDbContext> databases,
    IOptions<CoordinatorOptions> options,
    TimeProvider time,
    ILogger<FinishedTransactionsPurger> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    // Small deletes, so that no statement holds many row locks or runs long next to the deciding path.
    internal const int BatchSize = 1_000;

    // Bounds one pass; a backlog larger than this (a retention just shortened) is worked off over the next passes.
    private const int MaxBatchesPerPass = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await PurgeAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogMessages.PurgeFailed(logger, ex);
            }
        }
    }

    /// <summary>One pass: deletes what finished before now minus the retention; returns how many transactions.</summary>
    internal async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - options.Value.FinishedRetention;
        var deleted = 0;
        for (var batch = 0; batch < MaxBatchesPerPass; batch++)
        {
            await using var db = await databases.CreateDbContextAsync(cancellationToken);
            // created_at first: the (state, created_at) index finds the candidates; a transaction finishes after it began.
            var count = await db.Transactions
                .Where(t => (t.State == TransactionState.Committed || t.State == TransactionState.Aborted)
                    && t.CreatedAt < cutoff && t.CompletedAt < cutoff)
                .OrderBy(t => t.CreatedAt)
                .Take(BatchSize)
                .ExecuteDeleteAsync(cancellationToken); // participants go with them (ON DELETE CASCADE)
            deleted += count;
            if (count < BatchSize)
            {
                break;
            }
        }

        if (deleted > 0)
        {
            CoordinatorDiagnostics.TransactionsPurged.Add(deleted);
            LogMessages.Purged(logger, deleted, cutoff);
        }

        return deleted;
    }
}
