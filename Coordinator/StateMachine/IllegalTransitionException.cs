using TxCoordinator.Contracts;

namespace TxCoordinator.Coordinator.StateMachine;

/// <summary>A state change that the transaction state machine forbids was attempted.</summary>
public sealed class IllegalTransitionException(Guid transactionId, TransactionState from, TransactionState to)
    : InvalidOperationException($"Transaction {transactionId} cannot go from {from} to {to}.")
{
    public Guid TransactionId { get; } = transactionId;

    public TransactionState From { get; } = from;

    public TransactionState To { get; } = to;
}
