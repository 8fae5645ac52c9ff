using System.Collections.Concurrent;

namespace TxCoordinator.Samples.LoadRunner.History;

/// <summary>
/// The run's history as it happens: kept in memory for the demo's own check and, when a file is given, appended to it
/// line by line for the chaos script's checker (which merges the nemesis's faults into it).
/// </summary>
public sealed class HistoryLog(HistoryWriter? file)
{
    private readonly ConcurrentQueue<HistoryRecord> _records = new();

    public IEnumerable<HistoryRecord> Records => _records;

    public async Task AddAsync(HistoryRecord record, CancellationToken cancellationToken = default)
    {
        _records.Enqueue(record);
        if (file is not null)
        {
            await file.AppendAsync(record, cancellationToken);
        }
    }
}
