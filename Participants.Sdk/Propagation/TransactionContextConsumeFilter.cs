using MassTransit;
using TxCoordinator.Contracts;

namespace TxCoordinator.Participants.Propagation;

/// <summary>Makes a consumed message's Txc-Transaction-Id header the ambient <see cref="DistributedTransactionContext"/> while it is handled.</summary>
internal sealed class TransactionContextConsumeFilter : IFilter<ConsumeContext>
{
    public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        var header = context.Headers.Get<string>(TransactionHeaders.TransactionId);
        if (!TransactionHeaderParser.TryParse(header, out var transactionId))
        {
            await next.Send(context);
            return;
        }

        using (DistributedTransactionContext.Begin(transactionId))
        {
            await next.Send(context);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("txcTransactionContext");
}
