namespace TxCoordinator.Samples.LoadRunner;

/// <summary>Counts invariant violations and describes them on the report (the first ones in full, then only counted).</summary>
public sealed class Violations(TextWriter report)
{
    private const int MaxDescribed = 50;

    public int Count { get; private set; }

    public void Add(string description)
    {
        Count++;
        if (Count <= MaxDescribed)
        {
            report.WriteLine($"[loadrunner] VIOLATION: {description}");
        }
        else if (Count == MaxDescribed + 1)
        {
            report.WriteLine($"[loadrunner] more than {MaxDescribed} violations: only counting from now on");
        }
    }
}
