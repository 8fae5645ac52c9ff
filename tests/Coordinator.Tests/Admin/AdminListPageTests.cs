using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Admin;

namespace TxCoordinator.Coordinator.Tests.Admin;

/// <summary>
/// One page of the admin list from the database's rows and the transactions the deciding coordinator holds in memory
/// (enlistments and the move to Preparing are in memory only until the next written change).
/// </summary>
public sealed class AdminListPageTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Page_HeldTransactionTheDatabaseDoesNotMatchYet_IsListed()
    {
        // The database has it Active with no participant; memory has the enlistment.
        var held = Item(1, TransactionState.Active, "inventory");

        var (items, next) = AdminQueries.Page(Filter(participant: "inventory"), [], moreInDatabase: false, [held], Now);

        Assert.Equal([held.Id], items.Select(i => i.Id));
        Assert.Null(next);
    }

    [Fact]
    public void Page_RowMemoryHasMovedOnFrom_IsLeftOut()
    {
        // Listed by the database as Active, shown as memory holds it: Preparing, which the filter does not ask for.
        var moved = Item(1, TransactionState.Preparing, "inventory");
        var active = Item(2, TransactionState.Active, "inventory");

        var (items, _) = AdminQueries.Page(Filter(TransactionState.Active), [moved, active], moreInDatabase: false, [moved], Now);

        Assert.Equal([active.Id], items.Select(i => i.Id));
    }

    [Fact]
    public void Page_MoreRowsInTheDatabase_HeldTransactionsPastTheLastFetchedRowWaitForALaterPage()
    {
        // Limit 2, one more row fetched; memory has moved two of them on to Preparing, which the filter leaves out.
        var rows = new List<TransactionListItem> { Item(1), Item(3, TransactionState.Preparing), Item(5, TransactionState.Preparing) };
        var before = Item(2);
        var after = Item(6); // the database may hold Active rows between 5 and 6, not fetched: listing 6 now would skip them

        var (items, next) = AdminQueries.Page(Filter(TransactionState.Active, limit: 2), rows, moreInDatabase: true, [before, after], Now);

        Assert.Equal([rows[0].Id, before.Id], items.Select(i => i.Id));
        Assert.Equal(new TransactionCursor(before.CreatedAt, before.Id), next);
    }

    [Fact]
    public void Page_MoreRowsInTheDatabaseAllLeftOut_ContinuesAfterTheLastFetchedRow()
    {
        var rows = new List<TransactionListItem> { Item(1, TransactionState.Preparing), Item(3, TransactionState.Preparing) };

        var (items, next) = AdminQueries.Page(Filter(TransactionState.Active, limit: 1), rows, moreInDatabase: true, [Item(4)], Now);

        Assert.Empty(items);
        Assert.Equal(new TransactionCursor(rows[1].CreatedAt, rows[1].Id), next);
    }

    [Fact]
    public void Page_NewestFirst_MergesInDescendingOrder()
    {
        var rows = new List<TransactionListItem> { Item(5), Item(3) };
        var held = Item(4);

        var (items, next) = AdminQueries.Page(Filter(newest: true), rows, moreInDatabase: false, [held], Now);

        Assert.Equal([rows[0].Id, held.Id, rows[1].Id], items.Select(i => i.Id));
        Assert.Null(next);
    }

    [Fact]
    public void Page_CursorFromTheDatabase_DoesNotRepeatTheSameTransactionHeldWithTicks()
    {
        // PostgreSQL stored microseconds; memory keeps the 100 ns ticks of the same instant.
        var held = Item(1, createdAtTicksPastMicrosecond: 7);
        var stored = new DateTimeOffset(held.CreatedAt.UtcTicks - 7, TimeSpan.Zero);

        var (items, _) = AdminQueries.Page(
            Filter(after: new TransactionCursor(stored, held.Id)), [], moreInDatabase: false, [held], Now);

        Assert.Empty(items);
    }

    [Fact]
    public void Page_OlderThan_AppliesToHeldTransactionsToo()
    {
        var old = Item(1);
        var young = Item(1) with { Id = Guid.NewGuid(), CreatedAt = Now.AddSeconds(-1) };

        var (items, _) = AdminQueries.Page(Filter(olderThan: TimeSpan.FromMinutes(1)), [], moreInDatabase: false, [old, young], Now);

        Assert.Equal([old.Id], items.Select(i => i.Id));
    }

    private static TransactionFilter Filter(
        TransactionState? state = null, string? participant = null, int limit = 50, TransactionCursor? after = null,
        bool newest = false, TimeSpan? olderThan = null) =>
        new(state is { } s ? [s] : [], olderThan, participant, limit, after, newest);

    /// <summary>A transaction created <paramref name="minute"/> minutes into the hour before <see cref="Now"/>.</summary>
    private static TransactionListItem Item(
        int minute, TransactionState state = TransactionState.Active, string participant = "inventory", long createdAtTicksPastMicrosecond = 0)
    {
        var createdAt = Now.AddHours(-1).AddMinutes(minute).AddTicks(createdAtTicksPastMicrosecond);
        return new TransactionListItem(
            Guid.CreateVersion7(createdAt), state, createdAt, (Now - createdAt).TotalSeconds, createdAt.AddMinutes(1), null, null, null,
            [participant], 0, false, new Dictionary<string, string>());
    }
}
