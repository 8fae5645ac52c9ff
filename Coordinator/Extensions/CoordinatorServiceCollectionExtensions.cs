using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using TxCoordinator.Coordinator;
using TxCoordinator.Coordinator.Admin;
using TxCoordinator.Coordinator.Api;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Dashboard;
using TxCoordinator.Coordinator.Diagnostics;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Lone;
using TxCoordinator.Coordinator.Messaging;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.Coordinator.Supervision;
using TxCoordinator.Participants.Storage;

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

        builder.Services.AddOptions<FaultInjectionOptions>().Bind(builder.Configuration.GetSection(FaultInjectionOptions.SectionName));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddCoordinatorPersistence();
        builder.AddCoordinatorCluster();
        builder.Services.AddSingleton<TransactionLocks>();
        builder.Services.AddSingleton<DecisionSignals>();
        builder.Services.AddSingleton<ParticipantMessenger>();
        builder.Services.AddSingleton<LeaderMessageForwarder>();
        builder.Services.AddSingleton<TransactionEngine>();
        builder.Services.AddSingleton<AdminQueries>();
        builder.Services.AddSingleton<DashboardStatsQuery>();
        builder.Services.AddHostedService<TransactionSupervisor>();
        builder.Services.AddHostedService<FinishedTransactionsPurger>();
        builder.AddCoordinatorMessaging();
        builder.AddCoordinatorTelemetry();

        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddOpenApi();
        // MassTransit adds its own "masstransit-bus" check, tagged "ready": ready also means RabbitMQ is reachable.
        builder.Services.AddHealthChecks()
            .AddDbContextCheck<CoordinatorDbContext>("postgresql", tags: [HealthEndpointsExtensions.ReadyTag]);
        return builder;
    }

    public static IHostApplicationBuilder AddCoordinatorPersistence(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.GetConnectionString("Coordinator")
            ?? throw new InvalidOperationException("ConnectionStrings:Coordinator is not set: the coordinator needs its PostgreSQL database.");
        builder.Services.AddSingleton(_ =>
        {
            var dataSource = new NpgsqlDataSourceBuilder(connectionString);
            PooledSessionDefaults.Apply(dataSource.ConnectionStringBuilder, connectionString);
            // Commands are traced only inside a trace (a request, a message, a supervisor's span): the periodic
            // background queries alone would otherwise make a trace each, several times a second.
            dataSource.ConfigureTracing(tracing => tracing
                .ConfigureCommandFilter(_ => System.Diagnostics.Activity.Current is not null)
                .EnablePhysicalOpenTracing(false));
            return dataSource.Build();
        });
        builder.Services.AddPooledDbContextFactory<CoordinatorDbContext>((services, db) => db.UseNpgsql(services.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddHostedService<MigrationOnStartup>();
        return builder;
    }

    /// <summary>
    /// OpenTelemetry (section "Coordinator:Telemetry"): the coordinator's spans and metrics on top of the shared
    /// set-up (ASP.NET Core, HttpClient, MassTransit, Npgsql; /metrics, OTLP and console exporters).
    /// </summary>
    public static IHostApplicationBuilder AddCoordinatorTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<CoordinatorTelemetryOptions>()
            .Bind(builder.Configuration.GetSection(CoordinatorTelemetryOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHostedService<InFlightTransactionsMonitor>();
        builder.AddServiceTelemetry("txc-coordinator", CoordinatorTelemetryOptions.SectionName,
            tracing => tracing.AddSource(CoordinatorDiagnostics.ActivitySourceName),
            metrics => metrics.AddMeter(CoordinatorDiagnostics.MeterName));
        return builder;
    }

    /// <summary>
    /// Replication (section "Coordinator:Cluster"): with members listed, this coordinator is one replica of a Raft
    /// group and every change goes through the replicated log; without, it writes PostgreSQL directly, holding its
    /// database's lone-coordinator lock.
    /// </summary>
    public static IHostApplicationBuilder AddCoordinatorCluster(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ClusterOptions>()
            .Bind(builder.Configuration.GetSection(ClusterOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>();
        // A forwarded commit may wait for its votes until the transaction's deadline: the caller's abort ends it.
        builder.Services.AddHttpClient(LeaderForwardingMiddleware.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);

        builder.Services.AddSingleton<IDecisionLog, DecisionLog>();
        var cluster = builder.Configuration.GetSection(ClusterOptions.SectionName).Get<ClusterOptions>();
        if (cluster is not { Enabled: true })
        {
            builder.Services.AddSingleton<LoneLog>();
            builder.Services.AddSingleton<IImageLog>(services => services.GetRequiredService<LoneLog>());
            builder.Services.AddHostedService(services => services.GetRequiredService<LoneLog>());
            builder.Services.AddHealthChecks().AddCheck<LoneLockHealthCheck>("lone-lock", tags: [HealthEndpointsExtensions.ReadyTag]);
            return builder;
        }

        builder.Services.AddSingleton<TransactionImageWriter>();
        builder.Services.AddSingleton<HistoryGaps>();
        builder.Services.AddSingleton<HistoryFetcher>();
        builder.Services.AddSingleton<RaftReplica>();
        builder.Services.AddSingleton<IImageLog>(services => services.GetRequiredService<RaftReplica>());
        builder.Services.AddHostedService(services => services.GetRequiredService<RaftReplica>());
        builder.Services.AddHostedService<HistoryBackfill>();
        builder.Services.AddHealthChecks().AddCheck<RaftLeaderHealthCheck>("raft-leader", tags: [HealthEndpointsExtensions.ReadyTag]);
        return builder;
    }
}
