using MassTransit;
using TxCoordinator.Contracts;

namespace TxCoordinator.Participants.Messaging;

internal sealed class AbortTransactionConsumer(ParticipantProtocol protocol, MessageGuard guard, CoordinatorReplier replier)
    : IConsumer<AbortTransaction>
{
    public async Task Consume(ConsumeContext<AbortTransaction> context)
    {
        var message = context.Message;
        guard.EnsureValid(context, message.TransactionId, message.ParticipantId);
        var result = await protocol.AbortAsync(message.TransactionId, context.CancellationToken);
        await replier.AcknowledgeAsync(context, new ParticipantCompleted(message.TransactionId, message.ParticipantId, result.Outcome, result.Reason));
    }
}
