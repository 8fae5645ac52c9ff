using System.Buffers;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// What the leader hands DotNext as a log entry's context: the images an entry was serialised from, so that applying
/// its own entry needs no parsing and the engine recognises its change by reference.
/// </summary>
/// <remarks>
/// DotNext keeps a context by log index and never drops it when a new leader overwrites that index: a deposed
/// leader would apply its own discarded images in place of the entry that really committed there (the chaos run
/// found transactions stuck in Committing after a leader pause). So the context counts only for the very bytes it
/// was made with; any other entry at that index is parsed.
/// </remarks>
internal sealed class AppendedImages(byte[] payload, List<TransactionImage> images)
{
    public byte[] Payload { get; } = payload;

    public List<TransactionImage> Images { get; } = images;

    /// <summary>The images of the entry whose payload is <paramref name="payload"/>, when it is this context's entry.</summary>
    public static List<TransactionImage>? For(object? context, ReadOnlySequence<byte> payload) =>
        context is AppendedImages own && payload.Length == own.Payload.Length && SameBytes(payload, own.Payload) ? own.Images : null;

    private static bool SameBytes(ReadOnlySequence<byte> payload, ReadOnlySpan<byte> expected)
    {
        if (payload.IsSingleSegment)
        {
            return payload.FirstSpan.SequenceEqual(expected);
        }

        foreach (var segment in payload)
        {
            if (!segment.Span.SequenceEqual(expected[..segment.Length]))
            {
                return false;
            }

            expected = expected[segment.Length..];
        }

        return true;
    }
}
