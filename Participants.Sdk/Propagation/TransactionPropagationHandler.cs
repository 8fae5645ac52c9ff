using TxCoordinator.Contracts;

namespace TxCoordinator.Participants.Propagation;

/// <summary>Adds the Txc-Transaction-Id header of the ambient <see cref="DistributedTransactionContext"/> to outgoing requests.</summary>
public sealed class TransactionPropagationHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (DistributedTransactionContext.Current is { } current && !request.Headers.Contains(TransactionHeaders.TransactionId))
        {
            request.Headers.TryAddWithoutValidation(TransactionHeaders.TransactionId, current.TransactionId.ToString());
        }

        return base.SendAsync(request, cancellationToken);
    }
}
