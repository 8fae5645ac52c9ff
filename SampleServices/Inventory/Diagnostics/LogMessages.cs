namespace TxCoordinator.Samples.Inventory.Diagnostics;

/// <summary>Log lines of the Inventory sample (event ids 5000-5099).</summary>
internal static partial class LogMessages
{
    [LoggerMessage(5010, LogLevel.Information, "Order {OrderId}: reserved {Quantity} x {Sku} in transaction {TransactionId}")]
    public static partial void Reserved(ILogger logger, Guid orderId, int quantity, string sku, Guid transactionId);

    [LoggerMessage(5011, LogLevel.Information, "Order {OrderId}: refused in transaction {TransactionId}: {Reason}")]
    public static partial void Refused(ILogger logger, Guid orderId, Guid transactionId, string reason);

    [LoggerMessage(5012, LogLevel.Warning, "Order {OrderId}: reservation in transaction {TransactionId} failed on infrastructure")]
    public static partial void InfrastructureFailure(ILogger logger, Guid orderId, Guid transactionId, Exception exception);
}
