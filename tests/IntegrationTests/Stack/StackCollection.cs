namespace TxCoordinator.IntegrationTests.Stack;

/// <summary>All integration tests share one stack of processes and run one after another (some kill processes).</summary>
[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<ServiceStack>
{
    public const string Name = "stack";
}
