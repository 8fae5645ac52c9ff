namespace TxCoordinator.Cli;

/// <summary>The command line is wrong: txc prints the reason and the usage, and exits with 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
