using System.Collections.Concurrent;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.Coordinator.StateMachine;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// The unfinished transactions as this replica last applied them. The leader changes a transaction a few times per
/// commit (enlistments, votes, acknowledgements, resends); with this copy it no longer reads the record back from
/// PostgreSQL before each change, which was one query per change on the busiest replica. The copy is exactly as
/// fresh as the database: both are written by the same applier, the database first. A finished transaction leaves
/// it, and a restarted replica starts without the transactions its snapshot holds: for those the database answers.
/// </summary>
internal sealed class AppliedTransactions
{
    private readonly ConcurrentDictionary<Guid, TransactionImage> _images = new();

    /// <summary>Unfinished transactions held.</summary>
    public int Count => _images.Count;

    /// <summary>Records the images of one applied log entry, in log order. Called by the applier only.</summary>
    public void Apply(IEnumerable<TransactionImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        foreach (var image in images)
        {
            if (_images.TryGetValue(image.Id, out var held) && held.Revision > image.Revision)
            {
                continue; // replayed from an older entry: the database keeps the highest revision too
            }

            if (TransactionStateMachine.IsFinal(image.State))
            {
                _images.TryRemove(image.Id, out _);
            }
            else
            {
                _images[image.Id] = image;
            }
        }
    }

    /// <summary>A new, changeable record of the transaction as last applied, or null when it is finished or not held.</summary>
    public TransactionRecord? Find(Guid transactionId) =>
        _images.TryGetValue(transactionId, out var image) ? image.ToRecord() : null;
}
