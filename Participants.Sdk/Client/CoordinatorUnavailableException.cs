namespace TxCoordinator.Participants.Client;

/// <summary>No coordinator address served the request (unreachable, timed out, 503 or 421) within the failover rounds.</summary>
public sealed class CoordinatorUnavailableException(string message, Exception? innerException)
    : Exception(message, innerException);
