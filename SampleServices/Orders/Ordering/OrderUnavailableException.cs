namespace TxCoordinator.Samples.Orders.Ordering;

/// <summary>The order could not be processed because of an infrastructure failure (answered 503).</summary>
public sealed class OrderUnavailableException(string detail, Exception? innerException = null) : Exception(detail, innerException);
