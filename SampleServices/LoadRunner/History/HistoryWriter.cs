namespace TxCoordinator.Samples.LoadRunner.History;

/// <summary>
/// Appends history lines to a file, one write and flush per line: a crash of the runner loses at most the line being
/// written, and the nemesis's lines (written to their own file) never interleave with ours.
/// </summary>
public sealed class HistoryWriter : IAsyncDisposable
{
    private readonly StreamWriter _writer;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public HistoryWriter(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        _writer = new StreamWriter(stream) { AutoFlush = true };
    }

    public async Task AppendAsync(HistoryRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var line = HistoryJson.Serialize(record) + "\n";
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await _writer.WriteAsync(line.AsMemory(), cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        _gate.Dispose();
    }
}
