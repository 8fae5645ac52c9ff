using Microsoft.EntityFrameworkCore;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>One page of finished transactions, and where the next begins (null: none left before the bound).</summary>
internal sealed record FinishedHistoryPage(List<TransactionImage> Transactions, DateTimeOffset? NextAfter, Guid? NextAfterId);

/// <summary>
/// <c>GET /cluster/history?after=…&amp;afterId=…&amp;until=…&amp;limit=…</c>: the finished transactions this replica's
/// database holds, begun after (<c>after</c>, <c>afterId</c>) and before <c>until</c>, oldest first, as images a
/// replica writes. What <see cref="HistoryBackfill"/> asks a peer for after installing the leader's snapshot.
/// </summary>
internal static class FinishedHistory
{
    public const int MaxLimit = 1_000;

    public static RouteGroupBuilder MapFinishedHistory(this RouteGroupBuilder group)
    {
        group.MapGet("/history", async (
            DateTimeOffset? after, Guid? afterId, DateTimeOffset? until, int? limit,
            IDbContextFactory<CoordinatorDbContext> databases, CancellationToken cancellationToken) =>
        {
            if (after is null || until is null)
            {
                return Results.Problem(statusCode: 400, title: "Missing bound",
                    detail: "Both 'after' and 'until' are required (ISO 8601 times): the history begun between them is returned.");
            }

            if (limit is < 1 or > MaxLimit)
            {
                return Results.Problem(statusCode: 400, title: "Invalid limit", detail: $"'limit' must be between 1 and {MaxLimit}.");
            }

            await using var db = await databases.CreateDbContextAsync(cancellationToken);
            var page = await ReadAsync(db, after.Value, afterId ?? Guid.Empty, until.Value, limit ?? MaxLimit, cancellationToken);
            return Results.Json(page, TransactionImage.Json);
        });
        return group;
    }

    public static async Task<FinishedHistoryPage> ReadAsync(
        CoordinatorDbContext db, DateTimeOffset after, Guid afterId, DateTimeOffset until, int limit, CancellationToken cancellationToken)
    {
        // Keyset order over the (created_at, id) index, as the admin API pages.
        var rows = await db.Transactions.AsNoTracking().Include(t => t.Participants).AsSplitQuery()
            .Where(t => t.State == TransactionState.Committed || t.State == TransactionState.Aborted)
            .Where(t => EF.Functions.GreaterThan(ValueTuple.Create(t.CreatedAt, t.Id), ValueTuple.Create(after, afterId)))
            .Where(t => t.CreatedAt < until)
            .OrderBy(t => t.CreatedAt).ThenBy(t => t.Id)
            .Take(limit + 1)
            .ToListAsync(cancellationToken);
        var more = rows.Count > limit;
        var images = rows.Take(limit).Select(TransactionImage.Of).ToList();
        return more
            ? new FinishedHistoryPage(images, images[^1].CreatedAt, images[^1].Id)
            : new FinishedHistoryPage(images, null, null);
    }
}
