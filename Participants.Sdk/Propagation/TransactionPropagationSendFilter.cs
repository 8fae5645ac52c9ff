using MassTransit;
using TxCoordinator.Contracts;

namespace TxCoordinator.Participants.Propagation;

/// <summary>Stamps sent and published messages with the ambient transaction id (unless the sender set one).</summary>
internal sealed class TransactionPropagationSendFilter : IFilter<SendContext>, IFilter<PublishContext>
{
    public Task Send(SendContext context, IPipe<SendContext> next)
    {
        Stamp(context);
        return next.Send(context);
    }

    public Task Send(PublishContext context, IPipe<PublishContext> next)
    {
        Stamp(context);
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("txcTransactionPropagation");

    private static void Stamp(SendContext context)
    {
        if (DistributedTransactionContext.Current is { } current && !context.Headers.TryGetHeader(TransactionHeaders.TransactionId, out _))
        {
            context.Headers.Set(TransactionHeaders.TransactionId, current.TransactionId.ToString());
        }
    }
}
