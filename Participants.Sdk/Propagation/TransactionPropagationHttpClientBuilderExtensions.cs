using Microsoft.Extensions.DependencyInjection.Extensions;
using TxCoordinator.Participants.Propagation;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Propagates the ambient transaction on outgoing HTTP calls.</summary>
public static class TransactionPropagationHttpClientBuilderExtensions
{
    /// <summary>Adds <see cref="TransactionPropagationHandler"/>: requests carry the Txc-Transaction-Id of <see cref="DistributedTransactionContext.Current"/>.</summary>
    public static IHttpClientBuilder AddTransactionPropagation(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddTransient<TransactionPropagationHandler>();
        return builder.AddHttpMessageHandler<TransactionPropagationHandler>();
    }
}
