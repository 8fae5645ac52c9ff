namespace TxCoordinator.Coordinator.Tests.Infrastructure;

/// <summary>A test class with a migrated coordinator database of its own (see <see cref="CoordinatorDatabase"/>).</summary>
public abstract class DatabaseTests : IAsyncLifetime
{
    private protected DatabaseTests(string databaseName) => Database = new CoordinatorDatabase(databaseName);

    private protected CoordinatorDatabase Database { get; }

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public virtual ValueTask InitializeAsync() => Database.InitializeAsync();

    public virtual ValueTask DisposeAsync() => Database.DisposeAsync();
}
