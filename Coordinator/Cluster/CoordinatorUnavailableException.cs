namespace TxCoordinator.Coordinator.Cluster;

/// <summary>This replica may not decide right now (not the leader, no majority, catching up): answered with 503.</summary>
public sealed class CoordinatorUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
