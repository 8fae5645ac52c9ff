using System.Threading.Channels;
using TxCoordinator.Coordinator.Cluster;

namespace TxCoordinator.Coordinator.Engine;

/// <summary>
/// Changes waiting to be made durable together: callers append and wait, a log's batch loop takes what has queued
/// up and settles each change. Concurrent transactions then share one Raft entry or one database write.
/// </summary>
internal sealed class PendingChanges(string shuttingDown)
{
    private readonly Channel<PendingChange> _changes = Channel.CreateUnbounded<PendingChange>(new() { SingleWriter = false });

    /// <summary>Queues the image, made in term <paramref name="epoch"/>, and waits until the batch loop settles it.</summary>
    /// <exception cref="CoordinatorUnavailableException">The log is shutting down.</exception>
    public async Task AppendAsync(TransactionImage image, long epoch, CancellationToken cancellationToken)
    {
        var change = new PendingChange(image, epoch, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_changes.Writer.TryWrite(change))
        {
            throw new CoordinatorUnavailableException(shuttingDown);
        }

        await change.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Waits for a change, then fills <paramref name="batch"/> with up to <paramref name="max"/> of those queued.
    /// False once <see cref="Complete"/> was called and nothing is left.
    /// </summary>
    public async Task<bool> TakeAsync(List<PendingChange> batch, int max, CancellationToken cancellationToken)
    {
        batch.Clear();
        var reader = _changes.Reader;
        while (batch.Count == 0)
        {
            if (!await reader.WaitToReadAsync(cancellationToken))
            {
                return false;
            }

            while (batch.Count < max && reader.TryRead(out var change))
            {
                batch.Add(change);
            }
        }

        return true;
    }

    /// <summary>Fails every change queued now with <paramref name="failure"/> (or, by default, "shutting down").</summary>
    public void FailQueued(Exception? failure = null)
    {
        while (_changes.Reader.TryRead(out var change))
        {
            change.Done.TrySetException(failure ?? new CoordinatorUnavailableException(shuttingDown));
        }
    }

    /// <summary>
    /// Fails and removes from <paramref name="batch"/> every change made in another term than <paramref name="epoch"/>,
    /// the one about to write: such a change was made from what an earlier term held (its caller was preempted across
    /// a takeover), which the new term may have overruled.
    /// </summary>
    public static void FailStale(List<PendingChange> batch, long epoch)
    {
        batch.RemoveAll(change =>
        {
            if (change.Epoch == epoch)
            {
                return false;
            }

            change.Done.TrySetException(new CoordinatorUnavailableException(
                "The change was made before this coordinator's term changed; it is not written. Retry shortly."));
            return true;
        });
    }

    /// <summary>No more changes are taken: appending fails from now on.</summary>
    public void Complete() => _changes.Writer.TryComplete();
}

/// <summary>One change waiting in <see cref="PendingChanges"/>.</summary>
internal sealed record PendingChange(TransactionImage Image, long Epoch, TaskCompletionSource Done);
