using Microsoft.EntityFrameworkCore;

namespace TxCoordinator.Coordinator.Persistence;

public sealed class CoordinatorDbContext(DbContextOptions<CoordinatorDbContext> options) : DbContext(options)
{
    public DbSet<TransactionRecord> Transactions => Set<TransactionRecord>();

    public DbSet<ParticipantRecord> Participants => Set<ParticipantRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(CoordinatorDbContext).Assembly);
}
