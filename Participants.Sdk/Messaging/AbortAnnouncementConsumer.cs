using MassTransit;
using Microsoft.Extensions.Logging;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Diagnostics;
using TxCoordinator.Participants.Recovery;

namespace TxCoordinator.Participants.Messaging;

/// <summary>
/// Resolves the branch of an announced abort at once, if this participant holds one (prepared, or open work waiting for
/// a Prepare), instead of leaving it, and the rows it locks, to recovery's grace period or the reaper.
/// </summary>
internal sealed class AbortAnnouncementConsumer(ParticipantRecovery recovery, ILogger<AbortAnnouncementConsumer> logger)
    : IConsumer<TransactionAbortAnnounced>
{
    public async Task Consume(ConsumeContext<TransactionAbortAnnounced> context)
    {
        var transactionId = context.Message.TransactionId;
        if (transactionId == Guid.Empty)
        {
            const string reason = "transactionId is missing or empty";
            LogMessages.MalformedMessage(logger, nameof(TransactionAbortAnnounced), context.MessageId, reason);
            throw new MalformedParticipantMessageException($"{nameof(TransactionAbortAnnounced)}: {reason}");
        }

        await recovery.ResolveNowAsync(transactionId, context.CancellationToken);
    }
}
