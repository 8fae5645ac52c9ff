namespace TxCoordinator.Bench.Bus;

/// <summary>The bus peer's request.</summary>
public sealed record Ping(long Sequence);

/// <summary>The bus peer's response.</summary>
public sealed record Pong(long Sequence);
