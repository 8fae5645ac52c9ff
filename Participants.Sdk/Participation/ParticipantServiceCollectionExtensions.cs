using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TxCoordinator.Participants.Branches;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Messaging;
using TxCoordinator.Participants.Participation;
using TxCoordinator.Participants.Recovery;
using TxCoordinator.Participants.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Makes a service a participant in distributed transactions.</summary>
public static class ParticipantServiceCollectionExtensions
{
    /// <summary>Name of the readiness health check of the participant's database (tag "ready").</summary>
    public const string DatabaseHealthCheckName = "txc-participant-database";

    private const string HttpClientName = "TxCoordinator.Participants.Coordinator";

    /// <summary>
    /// Registers <see cref="ITransactionParticipant"/>, the Prepare/Commit/Abort protocol, expiry of open work and recovery
    /// of prepared transactions, configured from the "TransactionParticipant" section and then <paramref name="configure"/>
    /// (validated at start-up). Creates txc_outcomes in the participant's database at start-up.
    /// Add the consumers with <c>AddTransactionParticipantConsumers()</c> in AddMassTransit; register this before
    /// AddMassTransit so that the table exists before the bus consumes.
    /// </summary>
    public static IServiceCollection AddTransactionParticipant(this IServiceCollection services, Action<ParticipantOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ParticipantOptions>().BindConfiguration(ParticipantOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ParticipantOptions>, ParticipantOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddHttpClient(HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.TryAddKeyedSingleton<ITransactionCoordinatorClient>(ParticipantServiceKeys.CoordinatorClient, (sp, _) =>
        {
            var participant = sp.GetRequiredService<IOptions<ParticipantOptions>>().Value;
            var clientOptions = new CoordinatorClientOptions
            {
                Urls = participant.CoordinatorUrls,
                RequestTimeout = participant.CoordinatorRequestTimeout,
            };
            return new TransactionCoordinatorClient(
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName),
                Options.Options.Create(clientOptions),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<TransactionCoordinatorClient>>());
        });

        services.TryAddSingleton<ParticipantDataSource>();
        services.TryAddSingleton<OutcomeStore>();
        services.TryAddSingleton<BranchRegistry>();
        services.TryAddSingleton<BranchTerminator>();
        services.TryAddSingleton<ITransactionParticipant, TransactionParticipant>();
        services.TryAddSingleton<ParticipantProtocol>();
        services.TryAddSingleton<MessageGuard>();
        services.TryAddSingleton(sp => new ParticipantRecovery(
            sp.GetRequiredService<OutcomeStore>(),
            sp.GetRequiredService<BranchRegistry>(),
            sp.GetRequiredService<BranchTerminator>(),
            sp.GetRequiredKeyedService<ITransactionCoordinatorClient>(ParticipantServiceKeys.CoordinatorClient),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<ParticipantOptions>>(),
            sp.GetRequiredService<ILogger<ParticipantRecovery>>()));
        services.TryAddSingleton<OpenWorkReaper>();

        // Order matters: the table is created before the reaper, recovery and (when registered later) the bus start.
        services.AddHostedService<OutcomeSchemaInitializer>();
        services.AddHostedService(sp => sp.GetRequiredService<OpenWorkReaper>());
        services.AddHostedService<RecoveryService>();

        services.AddHealthChecks().AddCheck<ParticipantDatabaseHealthCheck>(
            DatabaseHealthCheckName, HealthStatus.Unhealthy, ["ready"]);
        return services;
    }
}
