using Microsoft.EntityFrameworkCore;
using TxCoordinator.Coordinator.Diagnostics;

namespace TxCoordinator.Coordinator.Persistence;

/// <summary>Applies the EF Core migrations compiled from the top-level migrations/ folder.</summary>
internal sealed class MigrationRunner(IDbContextFactory<CoordinatorDbContext> databases, ILogger<MigrationRunner> logger)
{
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        LogMessages.ApplyingMigrations(logger);
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        var applied = await db.Database.GetAppliedMigrationsAsync(cancellationToken);
        LogMessages.MigrationsApplied(logger, applied.Count());
    }
}
