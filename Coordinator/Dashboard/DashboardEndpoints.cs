using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Dashboard;

/// <summary>
/// <c>/dashboard</c>: one self-contained page (no external scripts: it must work on an air-gapped operator host)
/// that polls the admin API, <c>/cluster</c> and <c>/dashboard/stats</c> every two seconds.
/// </summary>
internal static class DashboardEndpoints
{
    private static readonly Lazy<byte[]> Page = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("TxCoordinator.Coordinator.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("The dashboard page is not embedded in the coordinator assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/dashboard", () => Results.File(Page.Value, "text/html; charset=utf-8"))
            .ExcludeFromDescription();
        app.MapGet("/dashboard/stats", (
            [FromQuery] string? window, [FromQuery] string? bucket, DashboardStatsQuery query, CancellationToken cancellationToken) =>
        {
            var windowSeconds = Seconds(window, "window", 600, 10, DashboardStatsQuery.MaxWindowSeconds);
            var bucketSeconds = Seconds(bucket, "bucket", 10, 1, 600);
            if (bucketSeconds > windowSeconds)
            {
                throw new InvalidTransactionRequestException("bucket", "bucket must not be longer than window.");
            }

            return query.QueryAsync(windowSeconds, bucketSeconds, cancellationToken);
        })
        .WithTags("Dashboard")
        .WithSummary("Transactions finished per bucket over a recent window: committed, aborted, latency p50/p95/p99 (ms).")
        .Produces<DashboardStats>()
        .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    private static int Seconds(string? text, string field, int fallback, int min, int max)
    {
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            && value >= min && value <= max
            ? value
            : throw new InvalidTransactionRequestException(field, $"{field} must be a whole number of seconds from {min} to {max}.");
    }
}
