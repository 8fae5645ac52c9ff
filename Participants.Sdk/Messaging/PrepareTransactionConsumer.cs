using MassTransit;
using TxCoordinator.Contracts;

namespace TxCoordinator.Participants.Messaging;

internal sealed class PrepareTransactionConsumer(ParticipantProtocol protocol, MessageGuard guard, CoordinatorReplier replier)
    : IConsumer<PrepareTransaction>
{
    public async Task Consume(ConsumeContext<PrepareTransaction> context)
    {
        var message = context.Message;
        guard.EnsureValid(context, message.TransactionId, message.ParticipantId);
        var result = await protocol.PrepareAsync(message.TransactionId, context.CancellationToken);
        await replier.VoteAsync(context, new ParticipantVoted(message.TransactionId, message.ParticipantId, result.Vote, result.Reason));
    }
}
