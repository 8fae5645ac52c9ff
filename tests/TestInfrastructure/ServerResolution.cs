namespace TxCoordinator.TestInfrastructure;

/// <summary>Where a test server is: its address, or the reason there is none (then tests skip with it).</summary>
internal sealed record ServerResolution(string? Address, string? SkipReason);
