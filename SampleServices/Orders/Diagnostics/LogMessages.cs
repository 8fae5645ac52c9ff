namespace TxCoordinator.Samples.Orders.Diagnostics;

/// <summary>Log lines of the Orders sample (event ids 5200-5299).</summary>
internal static partial class LogMessages
{
    [LoggerMessage(5200, LogLevel.Information, "Order {OrderId} (transaction {TransactionId}): {Outcome} {Reason}")]
    public static partial void OrderFinished(ILogger logger, Guid orderId, Guid transactionId, string outcome, string? reason);

    [LoggerMessage(5201, LogLevel.Warning, "Order {OrderId} (transaction {TransactionId}) could not be processed, answered 503: {Detail}")]
    public static partial void OrderUnavailable(ILogger logger, Guid orderId, Guid? transactionId, string detail);
}
