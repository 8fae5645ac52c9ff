namespace TxCoordinator.Samples.Orders.Downstream;

/// <summary>A participant service could not be reached or failed (timeout, 5xx, unexpected answer).</summary>
public sealed class DownstreamUnavailableException(string service, string detail, Exception? innerException = null)
    : Exception($"{service}: {detail}", innerException)
{
    public string Service { get; } = service;
}
