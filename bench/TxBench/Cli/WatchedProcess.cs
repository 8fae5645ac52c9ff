namespace TxCoordinator.Bench.Cli;

/// <summary>A named group of processes whose CPU time is reported (each pid stands for its whole session).</summary>
public sealed record WatchedProcess(string Name, IReadOnlyList<int> SessionIds);
