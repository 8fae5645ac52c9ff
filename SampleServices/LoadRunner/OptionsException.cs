namespace TxCoordinator.Samples.LoadRunner;

/// <summary>The command line makes no sense; the message says why.</summary>
public sealed class OptionsException(string message) : Exception(message);
