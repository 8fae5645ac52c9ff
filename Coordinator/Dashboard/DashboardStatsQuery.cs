using Npgsql;

namespace TxCoordinator.Coordinator.Dashboard;

/// <summary>
/// One aggregate query over the transactions that finished in the window. It reads this replica's own database:
/// on a follower the figures may trail the leader's by the replication lag, which a chart can afford.
/// </summary>
internal sealed class DashboardStatsQuery(NpgsqlDataSource dataSource, TimeProvider time)
{
    public const int MaxWindowSeconds = 3600;

    private const string Sql = """
        SELECT to_timestamp(floor(extract(epoch FROM completed_at) / @bucket) * @bucket) AS start,
               count(*) FILTER (WHERE state = 'Committed') AS committed,
               count(*) FILTER (WHERE state = 'Aborted') AS aborted,
               percentile_cont(0.50) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at)) * 1000 AS p50,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at)) * 1000 AS p95,
               percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at)) * 1000 AS p99
        FROM transactions
        WHERE completed_at >= @since
        GROUP BY 1
        ORDER BY 1
        """;

    public async Task<DashboardStats> QueryAsync(int windowSeconds, int bucketSeconds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.AddWithValue("bucket", (double)bucketSeconds);
        command.Parameters.AddWithValue("since", time.GetUtcNow().AddSeconds(-windowSeconds));
        var buckets = new List<StatsBucket>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            buckets.Add(new StatsBucket(
                reader.GetFieldValue<DateTimeOffset>(0), reader.GetInt64(1), reader.GetInt64(2),
                Math.Round(reader.GetDouble(3), 1), Math.Round(reader.GetDouble(4), 1), Math.Round(reader.GetDouble(5), 1)));
        }

        return new DashboardStats(windowSeconds, bucketSeconds, buckets);
    }
}
