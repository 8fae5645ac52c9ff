using MassTransit;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Messaging;

/// <summary>
/// A participant's acknowledgements gathered into one message: each is applied as if it had come alone, concurrently
/// (they are of different transactions, or harmless duplicates). One malformed acknowledgement rejects the whole
/// message before any is applied, so that the error queue holds it as it came.
/// </summary>
internal sealed class ParticipantsCompletedConsumer(
    TransactionEngine engine, LeaderMessageForwarder forwarder, ILogger<ParticipantsCompletedConsumer> logger)
    : IConsumer<ParticipantsCompleted>
{
    /// <summary>The SDK sends at most 256; a larger batch is not one of ours.</summary>
    public const int MaxBatch = 1_024;

    public async Task Consume(ConsumeContext<ParticipantsCompleted> context)
    {
        var acks = context.Message.Acknowledgements;
        MessageValidation.EnsureBatch(context, acks, MaxBatch, logger);
        foreach (var ack in acks)
        {
            MessageValidation.EnsureValid(context, ack.TransactionId, ack.ParticipantId, logger);
            MessageValidation.EnsureDefined(context, ack.Outcome, "outcome", logger);
        }

        await forwarder.HandleOrForwardAsync(context, acks[0].TransactionId,
            () => Task.WhenAll(acks.Select(ack => engine.RecordAcknowledgementAsync(ack, context.CancellationToken))));
    }
}
