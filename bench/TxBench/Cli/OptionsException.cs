namespace TxCoordinator.Bench.Cli;

/// <summary>The command line is wrong: the message says how, and the process exits with code 2.</summary>
public sealed class OptionsException(string message) : Exception(message);
