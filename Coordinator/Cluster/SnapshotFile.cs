using System.Globalization;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// A snapshot of the decision log on disk, named <c>{index}-{term}</c> as DotNext's <c>SimpleStateMachine</c> names
/// them (so snapshots written before <see cref="BackgroundSnapshotStateMachine"/> still restore). DotNext reads it
/// through <see cref="ISnapshot"/> to send it to a follower behind the log.
/// </summary>
internal sealed class SnapshotFile : ISnapshot
{
    // A snapshot being written: never taken for a snapshot, removed at the next start if a crash left it.
    private const string PartialSuffix = ".partial";

    private SnapshotFile(FileInfo file, long index, long term)
    {
        File = file;
        Index = index;
        Term = term;
    }

    public FileInfo File { get; }

    public long Index { get; }

    public long Term { get; }

    long? IDataTransferObject.Length => File.Length;

    bool IDataTransferObject.IsReusable => true;

    /// <summary>The snapshots in <paramref name="location"/>, whatever else the folder holds.</summary>
    public static IEnumerable<SnapshotFile> In(DirectoryInfo location) =>
        location.EnumerateFiles("*-*", SearchOption.TopDirectoryOnly).Select(Parse).OfType<SnapshotFile>();

    /// <summary>Deletes what a write interrupted by a crash left behind.</summary>
    public static void DeletePartial(DirectoryInfo location)
    {
        foreach (var file in location.EnumerateFiles("*" + PartialSuffix, SearchOption.TopDirectoryOnly))
        {
            file.Delete();
        }
    }

    /// <summary>
    /// Writes a snapshot through <paramref name="write"/> to a partial file, flushes it to disk and only then gives it
    /// its name: a crash meanwhile leaves no half snapshot to restore.
    /// </summary>
    public static async Task<SnapshotFile> WriteAsync(
        DirectoryInfo location, long index, long term, Func<Stream, CancellationToken, Task> write, CancellationToken token)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{index}-{term}");
        var partial = Path.Combine(location.FullName, name + PartialSuffix);
        try
        {
            await using (var stream = new FileStream(partial, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 64 * 1024,
                Options = FileOptions.Asynchronous,
            }))
            {
                await write(stream, token);
                await stream.FlushAsync(token);
                stream.Flush(flushToDisk: true);
            }

            var destination = Path.Combine(location.FullName, name);
            System.IO.File.Move(partial, destination, overwrite: true);
            return new SnapshotFile(new FileInfo(destination), index, term);
        }
        catch
        {
            System.IO.File.Delete(partial);
            throw;
        }
    }

    async ValueTask IDataTransferObject.WriteToAsync<TWriter>(TWriter writer, CancellationToken token)
    {
        await using var stream = File.Open(new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            BufferSize = Environment.SystemPageSize,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });
        await writer.CopyFromAsync(stream, count: null, token);
    }

    private static SnapshotFile? Parse(FileInfo file) =>
        file.Name.Split('-') is [var index, var term]
        && long.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var i)
        && long.TryParse(term, NumberStyles.None, CultureInfo.InvariantCulture, out var t)
            ? new SnapshotFile(file, i, t)
            : null;
}
