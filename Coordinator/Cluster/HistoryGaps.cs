using System.Threading.Channels;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// Finished transactions this replica lacks after installing the leader's snapshot: a snapshot holds only the
/// unfinished transactions and those begun within the history, so what began since <c>from</c> and finished while the
/// replica was behind is not in it. The applier reports the gap; <see cref="HistoryBackfill"/> fetches it from a peer.
/// </summary>
internal sealed class HistoryGaps
{
    private readonly Channel<DateTimeOffset> _reported = Channel.CreateUnbounded<DateTimeOffset>(
        new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Finished transactions begun after <paramref name="from"/> may be missing from this replica's database.</summary>
    public void Report(DateTimeOffset from) => _reported.Writer.TryWrite(from);

    /// <summary>Waits for a gap; several reported meanwhile are one, from the earliest.</summary>
    public async Task<DateTimeOffset> TakeAsync(CancellationToken cancellationToken)
    {
        var from = await _reported.Reader.ReadAsync(cancellationToken);
        while (_reported.Reader.TryRead(out var other))
        {
            from = other < from ? other : from;
        }

        return from;
    }
}
