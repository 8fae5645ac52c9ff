namespace TxCoordinator.Cli;

/// <summary>A coordinator answered with an error (problem+json): txc prints its title and detail and exits with 1.</summary>
internal sealed class RefusedException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
