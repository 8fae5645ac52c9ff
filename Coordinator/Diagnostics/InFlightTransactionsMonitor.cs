using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Diagnostics;

/// <summary>
/// Counts unfinished transactions every <see cref="CoordinatorTelemetryOptions.InFlightCountInterval"/> for the
/// <c>txc.transactions.in_flight</c> gauge, so that a scrape reads a number instead of querying the database. The
/// count uses the partial index on unfinished transactions. Every replica counts its own applied copy.
/// </summary>
internal sealed class InFlightTransactionsMonitor(
    IDbContextFactory<CoordinatorDbContext> databases,
    IOptions<CoordinatorTelemetryOptions> options,
    TimeProvider time,
    ILogger<InFlightTransactionsMonitor> logger) : BackgroundService
{
    private long _count = -1;

    /// <summary>The last count, or null before the first one succeeded.</summary>
    public long? Count => Interlocked.Read(ref _count) is var count and >= 0 ? count : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var registration = CoordinatorDiagnostics.Observe(this);
        using var timer = new PeriodicTimer(options.Value.InFlightCountInterval, time);
        do
        {
            try
            {
                await using var db = await databases.CreateDbContextAsync(stoppingToken);
                var count = await db.Transactions
                    .CountAsync(t => t.State != TransactionState.Committed && t.State != TransactionState.Aborted, stoppingToken);
                Interlocked.Exchange(ref _count, count);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The database may be down or not migrated yet; the gauge keeps its last value and the count is retried.
                LogMessages.InFlightCountFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
