using Microsoft.EntityFrameworkCore;
using TxCoordinator.Coordinator;
using TxCoordinator.Coordinator.Api;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Messaging;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.Coordinator.Supervision;

namespace Microsoft.Extensions.Hosting;

public static class CoordinatorServiceCollectionExtensions
{
    /// <summary>
    /// Adds the coordinator: options (validated at start-up), PostgreSQL persistence, the 2PC engine, its
    /// supervisor, the MassTransit consumers on RabbitMQ, problem+json errors and health checks.
    /// </summary>
    public static IHostApplicationBuilder AddCoordinator(this IHostApplicationBuilder builder, Action<CoordinatorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<CoordinatorOptions>()
            .Bind(builder.Configuration.GetSection(CoordinatorOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.DefaultTimeout <= o.MaxTimeout, "Coordinator:DefaultTimeout must not exceed Coordinator:MaxTimeout.")
            .Validate(o => o.ResendInitialDelay <= o.ResendMaxDelay, "Coordinator:ResendInitialDelay must not exceed Coordinator:ResendMaxDelay.")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddCoordinatorPersistence();
        builder.Services.AddSingleton<TransactionLocks>();
        builder.Services.AddSingleton<DecisionSignals>();
        builder.Services.AddSingleton<ParticipantMessenger>();
        builder.Services.AddSingleton<TransactionEngine>();
        builder.Services.AddHostedService<TransactionSupervisor>();
        builder.AddCoordinatorMessaging();

        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddOpenApi();
        builder.Services.AddHealthChecks()
            .AddDbContextCheck<CoordinatorDbContext>("postgresql", tags: ["ready"]);
        return builder;
    }

    public static IHostApplicationBuilder AddCoordinatorPersistence(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.GetConnectionString("Coordinator")
            ?? throw new InvalidOperationException("ConnectionStrings:Coordinator is not set: the coordinator needs its PostgreSQL database.");
        builder.Services.AddPooledDbContextFactory<CoordinatorDbContext>(db => db.UseNpgsql(connectionString));
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddHostedService<MigrationOnStartup>();
        return builder;
    }
}
