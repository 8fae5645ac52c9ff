using TxCoordinator.Contracts;

namespace TxCoordinator.Coordinator.Engine;

/// <summary>The request contradicts the transaction's current state (commit after abort, enlist after prepare, ...).</summary>
public sealed class TransactionConflictException(Guid transactionId, TransactionState state, string message, string? abortReason = null)
    : Exception(message)
{
    public Guid TransactionId { get; } = transactionId;

    public TransactionState State { get; } = state;

    public string? AbortReason { get; } = abortReason;
}
