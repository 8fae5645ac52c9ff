using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Initiator;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the initiator's coordinator client.</summary>
public static class CoordinatorClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ITransactionCoordinatorClient"/> as a typed HttpClient, configured from the
    /// "TransactionCoordinator" section (Urls, RequestTimeout) and then <paramref name="configure"/>; validated at start-up;
    /// and <see cref="ITransactionInitiator"/>, which runs work in a transaction over it.
    /// </summary>
    public static IHttpClientBuilder AddTransactionCoordinatorClient(
        this IServiceCollection services, Action<CoordinatorClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<CoordinatorClientOptions>().BindConfiguration(CoordinatorClientOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CoordinatorClientOptions>, CoordinatorClientOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CoordinatorAddressPreference>();
        // Transient, as the typed client it wraps: a singleton would hold one HttpClient for ever.
        services.TryAddTransient<ITransactionInitiator, TransactionInitiator>();
        // Each attempt has its own timeout (RequestTimeout); HttpClient's overall timeout would cut failover short.
        return services.AddHttpClient<ITransactionCoordinatorClient, TransactionCoordinatorClient>(
            client => client.Timeout = Timeout.InfiniteTimeSpan);
    }
}
