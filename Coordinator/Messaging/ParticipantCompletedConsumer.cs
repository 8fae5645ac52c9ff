using MassTransit;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Diagnostics;
using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Messaging;

internal sealed class ParticipantCompletedConsumer(
    TransactionEngine engine, LeaderMessageForwarder forwarder, ILogger<ParticipantCompletedConsumer> logger)
    : IConsumer<ParticipantCompleted>
{
    public async Task Consume(ConsumeContext<ParticipantCompleted> context)
    {
        var ack = context.Message;
        MessageValidation.EnsureValid(context, ack.TransactionId, ack.ParticipantId, logger);
        MessageValidation.EnsureDefined(context, ack.Outcome, "outcome", logger);
        using var scope = LogMessages.TransactionScope(logger, ack.TransactionId);
        await forwarder.HandleOrForwardAsync(context, ack.TransactionId, () => engine.RecordAcknowledgementAsync(ack, context.CancellationToken));
    }
}
