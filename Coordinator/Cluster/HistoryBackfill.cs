using TxCoordinator.Coordinator.Diagnostics;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// Fills the history gap a replica reports after installing the leader's snapshot (<see cref="HistoryGaps"/>): pages
/// through a peer's finished transactions begun since then (<c>GET /cluster/history</c>, the leader first) and writes
/// them to this replica's database. Without it a replica elected after being behind for longer than the snapshot
/// history answered 404 for the transactions that finished meanwhile (docs/reliability.md, item 13).
/// </summary>
/// <remarks>
/// Runs beside the applier and never in its way. Writing is idempotent (the highest revision wins), so a page fetched
/// twice, or a transaction the snapshot also held, changes nothing. Each page is retried a bounded number of times,
/// turning to the next peer each time; past that the gap is logged (error 5017) and left. Pages are paced
/// (<see cref="ClusterOptions.HistoryPagePause"/>): a replica rebuilt with an empty database fetches a day of history.
/// </remarks>
internal sealed class HistoryBackfill(
    HistoryGaps gaps, RaftReplica replica, HistoryFetcher fetcher, TimeProvider time, ILogger<HistoryBackfill> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            DateTimeOffset from;
            try
            {
                from = await gaps.TakeAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            var until = time.GetUtcNow();
            try
            {
                var written = await fetcher.FillAsync(
                    from, until, () => HistoryFetcher.Peers(replica.Options, replica.Leader), replica.Options.HistoryPagePause, stoppingToken);
                LogMessages.HistoryFilled(logger, from, until, written);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogMessages.HistoryNotFilled(logger, from, until, ex);
            }
        }
    }
}
