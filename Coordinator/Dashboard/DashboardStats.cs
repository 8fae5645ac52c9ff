namespace TxCoordinator.Coordinator.Dashboard;

/// <summary>
/// <c>GET /dashboard/stats</c>: transactions finished per time bucket over a recent window, for the dashboard's
/// charts. Throughput and abort rate come from the counts; latency is creation to completion.
/// </summary>
/// <param name="BucketSeconds">Width of each bucket.</param>
/// <param name="Buckets">Oldest first; buckets in which nothing finished are left out.</param>
public sealed record DashboardStats(int WindowSeconds, int BucketSeconds, IReadOnlyList<StatsBucket> Buckets);

/// <param name="Start">Start of the bucket.</param>
/// <param name="P50Ms">Median time from creation to completion of the transactions that finished in the bucket.</param>
public sealed record StatsBucket(DateTimeOffset Start, long Committed, long Aborted, double P50Ms, double P95Ms, double P99Ms);
