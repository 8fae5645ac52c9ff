using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using TxCoordinator.Coordinator.Diagnostics;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>Pages through a peer's finished transactions (<c>GET /cluster/history</c>) and writes them here.</summary>
internal sealed class HistoryFetcher(
    TransactionImageWriter writer, IHttpClientFactory clients, TimeProvider time, ILogger<HistoryFetcher> logger)
{
    internal const int MaxAttempts = 10;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Writes every finished transaction begun in [<paramref name="from"/>, <paramref name="until"/>) that the peers
    /// (<paramref name="peers"/>, asked again for each attempt) hold, waiting <paramref name="pause"/> between pages;
    /// returns how many rows it wrote.
    /// </summary>
    internal async Task<int> FillAsync(
        DateTimeOffset from, DateTimeOffset until, Func<IReadOnlyList<Uri>> peers, TimeSpan pause, CancellationToken cancellationToken)
    {
        var (after, afterId) = (from, Guid.Empty);
        var written = 0;
        for (var attempt = 1; ;)
        {
            var candidates = peers();
            if (candidates.Count == 0)
            {
                return written; // a group of one: nobody holds more than this replica
            }

            var peer = candidates[(attempt - 1) % candidates.Count];
            try
            {
                var page = await FetchAsync(peer, after, afterId, until, cancellationToken);
                var count = (await writer.WriteAsync(page.Transactions, cancellationToken)).Count;
                written += count;
                CoordinatorDiagnostics.HistoryWritten.Add(count);
                if (page is not { NextAfter: { } nextAfter, NextAfterId: { } nextAfterId })
                {
                    return written;
                }

                (after, afterId, attempt) = (nextAfter, nextAfterId, 1);
                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause, time, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or NpgsqlException or TimeoutException
                                           or OperationCanceledException
                                       && attempt < MaxAttempts && !cancellationToken.IsCancellationRequested)
            {
                LogMessages.HistoryPageRetry(logger, peer, attempt, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 250 * attempt)), time, cancellationToken);
                attempt++;
            }
        }
    }

    /// <summary>The other replicas' addresses, the leader's first: it holds every finished transaction.</summary>
    internal static IReadOnlyList<Uri> Peers(ClusterOptions options, ClusterMember? leader) =>
    [
        .. options.Members
            .Where(m => m.Id != options.ReplicaId && m.HttpUrl is not null)
            .OrderBy(m => m.Id == leader?.Id ? 0 : 1)
            .Select(m => m.HttpUrl!),
    ];

    private async Task<FinishedHistoryPage> FetchAsync(Uri peer, DateTimeOffset after, Guid afterId, DateTimeOffset until, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        var query = string.Create(CultureInfo.InvariantCulture,
            $"cluster/history?after={Uri.EscapeDataString(after.ToString("O", CultureInfo.InvariantCulture))}&afterId={afterId}&until={Uri.EscapeDataString(until.ToString("O", CultureInfo.InvariantCulture))}&limit={FinishedHistory.MaxLimit}");
        return await clients.CreateClient(LeaderForwardingMiddleware.HttpClientName)
                   .GetFromJsonAsync<FinishedHistoryPage>(new Uri(peer, query), TransactionImage.Json, timeout.Token)
               ?? throw new JsonException($"{peer} answered an empty page of history.");
    }
}
