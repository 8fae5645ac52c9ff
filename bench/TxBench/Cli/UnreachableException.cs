namespace TxCoordinator.Bench.Cli;

/// <summary>A server the benchmark needs does not answer: the process exits with code 2.</summary>
public sealed class UnreachableException(string message, Exception? innerException = null) : Exception(message, innerException);
