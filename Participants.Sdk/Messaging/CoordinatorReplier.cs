using MassTransit;
using Microsoft.Extensions.Options;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Participation;

namespace TxCoordinator.Participants.Messaging;

/// <summary>
/// Sends votes and acknowledgements, tagged with the transaction id header, to the queue the coordinator asked for in
/// the request (a replicated coordinator names its own: the leader that sent it), else to the coordinator's shared
/// queue. A vote leaves at once: the decision waits on it. Acknowledgements go through the
/// <see cref="AcknowledgementBatcher"/> unless <see cref="ParticipantOptions.AcknowledgementBatchWindow"/> is zero.
/// </summary>
internal sealed class CoordinatorReplier(AcknowledgementBatcher batcher, IOptions<ParticipantOptions> options)
{
    private readonly Uri _address = new("queue:" + options.Value.CoordinatorQueue);
    private readonly bool _batchAcknowledgements = options.Value.AcknowledgementBatchWindow > TimeSpan.Zero;

    public Task VoteAsync(ConsumeContext context, ParticipantVoted vote) => SendAsync(context, vote, vote.TransactionId);

    public Task AcknowledgeAsync(ConsumeContext context, ParticipantCompleted ack)
    {
        if (!_batchAcknowledgements)
        {
            return SendAsync(context, ack, ack.TransactionId);
        }

        batcher.Enqueue(context.ResponseAddress ?? _address, ack);
        return Task.CompletedTask;
    }

    /// <summary>How every answer about one transaction is sent, alone or by the <see cref="AcknowledgementBatcher"/>.</summary>
    public static IPipe<SendContext<T>> AnswerPipe<T>(Guid transactionId)
        where T : class
    {
        var header = transactionId.ToString();
        return Pipe.Execute<SendContext<T>>(c =>
        {
            c.Headers.Set(TransactionHeaders.TransactionId, header);
            // A lost answer is asked for again by the coordinator's resend: not worth a disk write in the broker.
            c.Durable = false;
        });
    }

    private async Task SendAsync<T>(ConsumeContext context, T reply, Guid transactionId)
        where T : class
    {
        var endpoint = await context.GetSendEndpoint(context.ResponseAddress ?? _address);
        await endpoint.Send(reply, AnswerPipe<T>(transactionId), context.CancellationToken);
    }
}
