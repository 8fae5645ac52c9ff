namespace TxCoordinator.Samples.Payments.Diagnostics;

/// <summary>Log lines of the Payments sample (event ids 5100-5199).</summary>
internal static partial class LogMessages
{
    [LoggerMessage(5110, LogLevel.Information, "Order {OrderId}: charged {Amount} to {CustomerId} in transaction {TransactionId}")]
    public static partial void Charged(ILogger logger, Guid orderId, decimal amount, string customerId, Guid transactionId);

    [LoggerMessage(5111, LogLevel.Information, "Order {OrderId}: refused in transaction {TransactionId}: {Reason}")]
    public static partial void Refused(ILogger logger, Guid orderId, Guid transactionId, string reason);

    [LoggerMessage(5112, LogLevel.Warning, "Order {OrderId}: charge in transaction {TransactionId} failed on infrastructure")]
    public static partial void InfrastructureFailure(ILogger logger, Guid orderId, Guid transactionId, Exception exception);
}
