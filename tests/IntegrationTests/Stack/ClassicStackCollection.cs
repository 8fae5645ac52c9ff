namespace TxCoordinator.IntegrationTests.Stack;

/// <summary>The tests of the Prepare round trip share one <see cref="ClassicParticipantsStack"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ClassicStackCollection : ICollectionFixture<ClassicParticipantsStack>
{
    public const string Name = "classic-stack";
}
