using Microsoft.Extensions.Options;

namespace TxCoordinator.Coordinator.Persistence;

/// <summary>Applies migrations before anything else starts when Coordinator:ApplyMigrationsOnStartup is set.</summary>
internal sealed class MigrationOnStartup(MigrationRunner runner, IOptions<CoordinatorOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        options.Value.ApplyMigrationsOnStartup ? runner.MigrateAsync(cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
