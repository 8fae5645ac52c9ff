namespace TxCoordinator.Cli;

/// <summary>No coordinator replica answered: txc prints one line and exits with 3.</summary>
internal sealed class CoordinatorUnreachableException(string message) : Exception(message);
