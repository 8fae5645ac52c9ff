using System.Collections.ObjectModel;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Tests.Infrastructure;

/// <summary>
/// An outbox that notes the transaction's state at the moment each message is added, so a test can prove that the
/// state change causing a message was made (and would be saved) before the message existed.
/// </summary>
internal sealed class RecordingOutbox(TransactionRecord tx) : Collection<OutboundMessage>
{
    public readonly record struct Entry(OutboundMessage Message, TransactionState State, DateTimeOffset? DecidedAt);

    public List<Entry> Entries { get; } = [];

    protected override void InsertItem(int index, OutboundMessage item)
    {
        Entries.Add(new Entry(item, tx.State, tx.DecidedAt));
        base.InsertItem(index, item);
    }
}
