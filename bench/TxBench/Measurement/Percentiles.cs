namespace TxCoordinator.Bench.Measurement;

/// <summary>Latency percentiles by nearest rank (the smallest value with at least q of all values at or below it).</summary>
public static class Percentiles
{
    /// <param name="sorted">Values in ascending order.</param>
    /// <param name="q">Between 0 and 1.</param>
    public static double NearestRank(IReadOnlyList<double> sorted, double q)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        ArgumentOutOfRangeException.ThrowIfLessThan(q, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 1);
        return sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    public static LatencySummary Summarize(IEnumerable<double> milliseconds)
    {
        ArgumentNullException.ThrowIfNull(milliseconds);
        var sorted = milliseconds.Order().ToArray();
        return new LatencySummary(
            sorted.Length,
            NearestRank(sorted, 0.50),
            NearestRank(sorted, 0.95),
            NearestRank(sorted, 0.99),
            sorted.Length == 0 ? 0 : sorted[^1],
            sorted.Length == 0 ? 0 : sorted.Average());
    }
}

/// <summary>Latency of the measured operations, in milliseconds.</summary>
public sealed record LatencySummary(int Count, double P50, double P95, double P99, double Max, double Mean);
