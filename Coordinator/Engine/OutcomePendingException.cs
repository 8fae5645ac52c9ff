using TxCoordinator.Contracts;

namespace TxCoordinator.Coordinator.Engine;

/// <summary>
/// A one-phase commit was handed to its participant, which has not answered yet. The outcome is not lost:
/// the coordinator keeps asking, and <c>GET /transactions/{id}</c> shows it once known.
/// </summary>
public sealed class OutcomePendingException(Guid transactionId, TransactionState state)
    : Exception($"The outcome of transaction {transactionId} is not known yet; the coordinator keeps asking its participant.")
{
    public Guid TransactionId { get; } = transactionId;

    public TransactionState State { get; } = state;
}
