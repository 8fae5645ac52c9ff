using System.IO.Compression;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// The bytes of a snapshot file: lines of JSON (one array of transaction images each), gzip-compressed. A follower
/// behind the leader's log receives the file whole inside one Raft request, which times out after the lower election
/// timeout (1 s). As JSON a transaction takes 850-1,250 bytes (4-6 MB snapshots in chaos runs, cut off in transfer in
/// three runs of five, refused and sent again: <see cref="BackgroundSnapshotStateMachine"/>); compressed, ~150. Files
/// written before compression (plain JSON lines) are still read.
/// </summary>
internal static class SnapshotContent
{
    // Every gzip stream starts with these two bytes; a line of JSON starts with '[' (or is empty).
    private const byte GzipFirst = 0x1f, GzipSecond = 0x8b;

    /// <summary>Wraps a snapshot file being written; disposing the result finishes the compressed stream, not the file.</summary>
    public static Stream Compress(Stream file) => new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true);

    /// <summary>Opens a snapshot file for reading its JSON lines, compressed or not.</summary>
    public static Stream OpenRead(string path)
    {
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            BufferSize = 64 * 1024,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });
        try
        {
            Span<byte> start = stackalloc byte[2];
            var read = file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
            file.Position = 0;
            return read == 2 && start[0] == GzipFirst && start[1] == GzipSecond
                ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: false)
                : file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}
