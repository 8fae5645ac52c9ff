namespace TxCoordinator.Samples.LoadRunner.History;

/// <summary>A parsed history: the records of a run grouped by kind, in file order.</summary>
public sealed record RunHistory(
    StartRecord? Start,
    IReadOnlyList<InvokeRecord> Invokes,
    IReadOnlyList<CompleteRecord> Completes,
    IReadOnlyList<FaultRecord> Faults,
    HealRecord? Heal,
    OutstandingRecord? Outstanding,
    FinalRecord? Final)
{
    public static RunHistory From(IEnumerable<HistoryRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var list = records.ToList();
        return new RunHistory(
            list.OfType<StartRecord>().LastOrDefault(),
            list.OfType<InvokeRecord>().ToList(),
            list.OfType<CompleteRecord>().ToList(),
            list.OfType<FaultRecord>().ToList(),
            list.OfType<HealRecord>().LastOrDefault(),
            // The first count taken is the one the in-doubt rule is about (heal + 10 s); later ones only describe.
            list.OfType<OutstandingRecord>().FirstOrDefault(),
            list.OfType<FinalRecord>().LastOrDefault());
    }

    /// <summary>Reads every non-empty line of the files, in order; the files are concatenated.</summary>
    /// <exception cref="HistoryFormatException">A line is not a history record.</exception>
    public static async Task<RunHistory> ReadAsync(IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var records = new List<HistoryRecord>();
        foreach (var path in paths)
        {
            var number = 0;
            foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken))
            {
                number++;
                if (!string.IsNullOrWhiteSpace(line))
                {
                    records.Add(HistoryJson.Deserialize(line, number));
                }
            }
        }

        return From(records);
    }
}
