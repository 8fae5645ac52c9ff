using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.Coordinator.Supervision;
using TxCoordinator.Coordinator.Tests.Infrastructure;
using static TxCoordinator.Coordinator.Tests.Infrastructure.CoordinatorDatabase;

namespace TxCoordinator.Coordinator.Tests.Supervision;

/// <summary>Retention against a migrated database: only what finished before the cutoff goes, participants with it.</summary>
public sealed class FinishedTransactionsPurgerTests() : DatabaseTests("txc_purger_test")
{

    [Fact]
    public async Task Purge_DeletesOnlyTransactionsFinishedBeforeTheRetention_WithTheirParticipants()
    {
        var writer = new TransactionImageWriter(Database.DataSource);
        var now = DateTimeOffset.UtcNow;
        var oldCommitted = Finished(TransactionState.Committed, now.AddDays(-3));
        var oldAborted = Finished(TransactionState.Aborted, now.AddDays(-2));
        var recentCommitted = Finished(TransactionState.Committed, now.AddHours(-1));
        var oldUnfinished = Image(Guid.NewGuid(), 4, TransactionState.Committing, Vote.Yes) with { CreatedAt = now.AddDays(-3) };
        await writer.WriteAsync([oldCommitted, oldAborted, recentCommitted, oldUnfinished], Ct);

        var deleted = await Purger(TimeSpan.FromDays(1)).PurgeAsync(Ct);

        Assert.Equal(2, deleted);
        await using var db = Database.NewContext();
        var left = await db.Transactions.Select(t => t.Id).ToListAsync(Ct);
        Assert.Equal(new[] { recentCommitted.Id, oldUnfinished.Id }.Order(), left.Order());
        Assert.Equal(0, await db.Participants.CountAsync(p => p.TransactionId == oldCommitted.Id || p.TransactionId == oldAborted.Id, Ct));
        Assert.Equal(0, await Purger(TimeSpan.FromDays(1)).PurgeAsync(Ct));
    }

    [Fact]
    public async Task Purge_MoreThanOneBatch_DeletesThemAll()
    {
        var writer = new TransactionImageWriter(Database.DataSource);
        var old = DateTimeOffset.UtcNow.AddDays(-2);
        var images = Enumerable.Range(0, FinishedTransactionsPurger.BatchSize + 5).Select(_ => Finished(TransactionState.Committed, old)).ToList();
        await writer.WriteAsync(images, Ct);

        Assert.Equal(images.Count, await Purger(TimeSpan.FromDays(1)).PurgeAsync(Ct));
    }

    private static TransactionImage Finished(TransactionState state, DateTimeOffset completedAt) =>
        Image(Guid.NewGuid(), 5, state, state == TransactionState.Committed ? Vote.Yes : Vote.No) with
        {
            CreatedAt = completedAt.AddSeconds(-1), DecidedAt = completedAt, CompletedAt = completedAt,
        };

    private FinishedTransactionsPurger Purger(TimeSpan retention) => new(
        new Factory(Database), Microsoft.Extensions.Options.Options.Create(new CoordinatorOptions { FinishedRetention = retention }),
        TimeProvider.System, NullLogger<FinishedTransactionsPurger>.Instance);

    private sealed class Factory(CoordinatorDatabase database) : IDbContextFactory<CoordinatorDbContext>
    {
        public CoordinatorDbContext CreateDbContext() => database.NewContext();
    }
}
