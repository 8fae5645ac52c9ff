namespace TxCoordinator.Coordinator.Engine;

/// <summary>No transaction has this id (it never existed here, or its record was removed).</summary>
public sealed class TransactionNotFoundException(Guid transactionId)
    : Exception($"Transaction {transactionId} does not exist.")
{
    public Guid TransactionId { get; } = transactionId;
}
