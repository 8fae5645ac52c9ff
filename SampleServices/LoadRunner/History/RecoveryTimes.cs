namespace TxCoordinator.Samples.LoadRunner.History;

/// <summary>
/// For every fault that hit the coordinator's leader (kill, pause, partition), the time from the fault until an order
/// invoked after it first commits: how long the system stopped committing new work. Orders placed before the fault do
/// not count (they may have been decided before it), nor does how long the unluckiest order placed after it waited.
/// </summary>
public static class RecoveryTimes
{
    public const string LeaderRole = "leader";

    public static IReadOnlyList<Recovery> Compute(RunHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var committedAt = history.Completes
            .Where(c => c.Outcome == ClientOutcome.Committed)
            .GroupBy(c => c.Order)
            .ToDictionary(g => g.Key, g => g.Min(c => c.Wall));
        var invokes = history.Invokes;
        var recoveries = new List<Recovery>();
        foreach (var fault in history.Faults.Where(f => f.Role == LeaderRole).OrderBy(f => f.Start))
        {
            var first = invokes
                .Where(i => i.Wall >= fault.Start && committedAt.ContainsKey(i.Order))
                .Select(i => (long?)committedAt[i.Order])
                .Min();
            recoveries.Add(new Recovery(fault, first is { } at ? (at - fault.Start) / 1000.0 : null));
        }

        return recoveries;
    }
}
