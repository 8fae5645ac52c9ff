using Microsoft.EntityFrameworkCore;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Participation;
using TxCoordinator.Participants.Sdk.Tests.Infrastructure;

namespace TxCoordinator.Participants.Sdk.Tests.Participation;

/// <summary>
/// A service that writes through EF Core puts its <see cref="DbContext"/> on the branch's connection and transaction
/// (the pattern of the SDK's README): what it saves is prepared, committed and rolled back with the branch.
/// </summary>
public sealed class EntityFrameworkWorkTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SaveChanges_OnTheBranch_IsPreparedThenCommittedWithIt()
    {
        await using var harness = await ParticipantHarness.CreateAsync(database.RequireConnectionString());
        var tx = Guid.NewGuid();

        var item = await SaveItemThroughEfCoreAsync(harness, tx);

        Assert.False(await harness.ItemExistsAsync(item)); // SaveChanges committed nothing of its own
        Assert.Equal(Vote.Yes, (await harness.Protocol.PrepareAsync(tx, Ct)).Vote);
        Assert.Equal(1, await harness.PreparedCountAsync(tx));
        Assert.False(await harness.ItemExistsAsync(item));
        Assert.Equal(ParticipantOutcome.Committed, (await harness.Protocol.CommitAsync(tx, onePhase: false, Ct)).Outcome);
        Assert.True(await harness.ItemExistsAsync(item));
    }

    [Fact]
    public async Task SaveChanges_OnTheBranch_IsRolledBackWhenTheTransactionAborts()
    {
        await using var harness = await ParticipantHarness.CreateAsync(database.RequireConnectionString());
        var tx = Guid.NewGuid();
        var item = await SaveItemThroughEfCoreAsync(harness, tx);
        Assert.Equal(Vote.Yes, (await harness.Protocol.PrepareAsync(tx, Ct)).Vote);

        Assert.Equal(ParticipantOutcome.Aborted, (await harness.Protocol.AbortAsync(tx, Ct)).Outcome);

        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.False(await harness.ItemExistsAsync(item));
    }

    [Fact]
    public async Task SaveChanges_WithVoteOnComplete_IsPreparedAsTheWorkCompletes()
    {
        await using var harness = await ParticipantHarness.CreateAsync(database.RequireConnectionString(), o => o.VoteOnComplete = true);
        var tx = Guid.NewGuid();

        var item = await SaveItemThroughEfCoreAsync(harness, tx);

        Assert.Equal(Vote.Yes, Assert.Single(harness.Coordinator.ParticipantsOf(tx)).Vote);
        Assert.Equal(1, await harness.PreparedCountAsync(tx));
        Assert.Equal(ParticipantOutcome.Committed, (await harness.Protocol.CommitAsync(tx, onePhase: false, Ct)).Outcome);
        Assert.True(await harness.ItemExistsAsync(item));
    }

    [Fact]
    public async Task SaveChanges_ContextThatRetries_IsRefusedAndTheWorkLeavesNothing()
    {
        await using var harness = await ParticipantHarness.CreateAsync(database.RequireConnectionString());
        var tx = Guid.NewGuid();
        await using var db = new ItemsContext(new DbContextOptionsBuilder<ItemsContext>()
            .UseNpgsql(harness.ConnectionString, npgsql => npgsql.EnableRetryOnFailure()).Options);
        var id = Guid.NewGuid();

        await using (var work = await harness.Participant.EnlistAsync(tx, Ct))
        {
            db.Database.SetDbConnection(work.Connection);
            await db.Database.UseTransactionAsync(work.Transaction, Ct);
            db.Items.Add(new Item { Id = id, Name = "never saved" });
            await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync(Ct));
        } // disposed without CompleteAsync: the work failed

        Assert.Equal(Vote.No, (await harness.Protocol.PrepareAsync(tx, Ct)).Vote);
        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.False(await harness.ItemExistsAsync(id));
    }

    private static async Task<Guid> SaveItemThroughEfCoreAsync(ParticipantHarness harness, Guid transactionId)
    {
        var id = Guid.NewGuid();
        // Configured as a service's own context usually is, on its connection string: the branch's connection
        // replaces it for this unit of work.
        await using var db = new ItemsContext(new DbContextOptionsBuilder<ItemsContext>().UseNpgsql(harness.ConnectionString).Options);
        await using var work = await harness.Participant.EnlistAsync(transactionId, Ct);
        db.Database.SetDbConnection(work.Connection);
        await db.Database.UseTransactionAsync(work.Transaction, Ct);
        db.Items.Add(new Item { Id = id, Name = "saved through EF Core" });
        await db.SaveChangesAsync(Ct);
        await work.CompleteAsync(Ct);
        return id;
    }

    private sealed class ItemsContext(DbContextOptions<ItemsContext> options) : DbContext(options)
    {
        public DbSet<Item> Items => Set<Item>();

        protected override void OnModelCreating(ModelBuilder modelBuilder) =>
            modelBuilder.Entity<Item>(item =>
            {
                item.ToTable("items");
                item.Property(i => i.Id).HasColumnName("id");
                item.Property(i => i.Name).HasColumnName("name");
            });
    }

    private sealed class Item
    {
        public Guid Id { get; set; }

        public required string Name { get; set; }
    }
}
