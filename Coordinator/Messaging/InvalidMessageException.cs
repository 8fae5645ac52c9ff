namespace TxCoordinator.Coordinator.Messaging;

/// <summary>A bus message whose fields make no sense. It is never retried: it goes straight to the error queue.</summary>
public sealed class InvalidMessageException(string message) : Exception(message);
