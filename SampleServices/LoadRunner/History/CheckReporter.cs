using System.Globalization;

namespace TxCoordinator.Samples.LoadRunner.History;

/// <summary>Writes a verdict for a person: each violation (the first ones in full), the in-doubt count, recoveries.</summary>
public static class CheckReporter
{
    private const int MaxDescribed = 50;

    public static void Write(CheckResult result, RunHistory history, TextWriter report)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(report);
        foreach (var violation in result.Violations.Take(MaxDescribed))
        {
            report.WriteLine($"[check] VIOLATION {violation}");
        }

        if (result.Violations.Count > MaxDescribed)
        {
            report.WriteLine($"[check] ... and {result.Violations.Count - MaxDescribed} more violation(s)");
        }

        if (history.Outstanding is { } outstanding && outstanding.Count > 0)
        {
            report.WriteLine($"[check] in doubt at '{outstanding.Label}': {outstanding.Unfinished.Count} coordinator transaction(s) unfinished " +
                $"({string.Join(", ", outstanding.Unfinished.Take(5).Select(u => $"{u.Tx} {u.State}"))}), " +
                $"{outstanding.Prepared.Count} prepared at participants ({string.Join(", ", outstanding.Prepared.Take(5).Select(p => $"{p.Database}:{p.Gid}"))})");
        }

        if (history.Final is { } final)
        {
            report.WriteLine(
                $"[check] stock: {history.Start?.Stock.Values.Sum()} at start, {final.Stock.Values.Sum()} now, {final.Reservations.Sum(r => (long)r.Quantity)} reserved; " +
                $"money: {history.Start?.Balances.Values.Sum()} at start, {final.Balances.Values.Sum()} now, {final.Charges.Sum(c => c.Amount)} charged");
        }

        report.WriteLine($"[check] orders: {result.Transactions} placed, {result.Committed} committed, {result.Aborted} aborted, " +
            $"{result.Indeterminate} indeterminate (failed or unanswered)");
        foreach (var group in result.Faults.GroupBy(f => f.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            report.WriteLine($"[check] faults: {group.Count()} x {group.Key}");
        }

        foreach (var recovery in result.Recoveries)
        {
            report.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[check] recovery after {recovery.Fault.Kind} of {recovery.Fault.Target}: {(recovery.Seconds is { } s ? $"{s:F1} s" : "never")}"));
        }
    }

    /// <summary><c>chaos: tx=.. faults=.. violations=.. in_doubt=.. max_recovery_s=..</c></summary>
    public static string ChaosLine(CheckResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var recovery = result.MaxRecoverySeconds switch
        {
            null => "none",
            double.PositiveInfinity => "inf",
            { } s => s.ToString("F1", CultureInfo.InvariantCulture),
        };
        return $"chaos: tx={result.Transactions} faults={result.Faults.Count} violations={result.Violations.Count} in_doubt={result.InDoubt} max_recovery_s={recovery}";
    }
}
