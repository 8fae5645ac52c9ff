using System.Globalization;
using TxCoordinator.Samples.LoadRunner.History;

namespace TxCoordinator.Samples.LoadRunner;

/// <summary>The run in one line, as the demo prints it last.</summary>
public sealed record Summary(int Committed, int Aborted, int InDoubt, int Violations, double Tps, double P50Ms, double P99Ms)
{
    public static Summary From(WorkloadResult workload, CheckResult check)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(check);
        var answered = workload.Orders.Where(o => o.Outcome != ClientOutcome.Failed).ToList();
        var latencies = answered.Select(o => o.Latency.TotalMilliseconds).Order().ToArray();
        var seconds = workload.WallTime.TotalSeconds;
        return new Summary(
            answered.Count(o => o.Outcome == ClientOutcome.Committed),
            answered.Count(o => o.Outcome == ClientOutcome.Aborted),
            check.InDoubt,
            check.Violations.Count,
            seconds > 0 ? answered.Count / seconds : 0,
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99));
    }

    /// <summary>0 only when nothing is in doubt, nothing is violated and something committed.</summary>
    public int ExitCode => Violations == 0 && InDoubt == 0 && Committed > 0 ? 0 : 1;

    public string Line => string.Create(CultureInfo.InvariantCulture,
        $"demo: committed={Committed} aborted={Aborted} in_doubt={InDoubt} violations={Violations} tps={Tps:F1} p50_ms={P50Ms:F1} p99_ms={P99Ms:F1}");

    // Nearest rank: the smallest value with at least q of all values at or below it.
    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}
