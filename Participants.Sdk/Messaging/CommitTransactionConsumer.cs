using MassTransit;
using TxCoordinator.Contracts;

namespace TxCoordinator.Participants.Messaging;

internal sealed class CommitTransactionConsumer(ParticipantProtocol protocol, MessageGuard guard, CoordinatorReplier replier)
    : IConsumer<CommitTransaction>
{
    public async Task Consume(ConsumeContext<CommitTransaction> context)
    {
        var message = context.Message;
        guard.EnsureValid(context, message.TransactionId, message.ParticipantId);
        var result = await protocol.CommitAsync(message.TransactionId, message.OnePhase, context.CancellationToken);
        await replier.AcknowledgeAsync(context, new ParticipantCompleted(message.TransactionId, message.ParticipantId, result.Outcome, result.Reason));
    }
}
