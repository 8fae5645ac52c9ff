using MassTransit;
using Microsoft.Extensions.Options;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Participation;

namespace TxCoordinator.Participants.Messaging;

/// <summary>Sends votes and acknowledgements to the coordinator's queue, tagged with the transaction id header.</summary>
internal sealed class CoordinatorReplier(IOptions<ParticipantOptions> options)
{
    private readonly Uri _address = new("queue:" + options.Value.CoordinatorQueue);

    public async Task SendAsync<T>(ConsumeContext context, T reply, Guid transactionId)
        where T : class
    {
        var endpoint = await context.GetSendEndpoint(_address);
        var header = transactionId.ToString();
        await endpoint.Send(reply, Pipe.Execute<SendContext<T>>(c => c.Headers.Set(TransactionHeaders.TransactionId, header)),
            context.CancellationToken);
    }
}
