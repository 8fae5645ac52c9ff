namespace TxCoordinator.Samples.Orders.Ordering;

/// <summary>The order could not be processed because of an infrastructure failure (answered 503).</summary>
/// <param name="transactionId">The order's transaction, when one was begun: what an operator looks up.</param>
public sealed class OrderUnavailableException(string detail, Guid? transactionId = null, Exception? innerException = null)
    : Exception(detail, innerException)
{
    public Guid? TransactionId { get; } = transactionId;
}
