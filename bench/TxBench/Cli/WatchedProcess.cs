namespace TxCoordinator.Bench.Cli;

/// <summary>A named group of processes whose CPU time is reported (each pid stands for itself and all its descendants).</summary>
public sealed record WatchedProcess(string Name, IReadOnlyList<int> Pids);
