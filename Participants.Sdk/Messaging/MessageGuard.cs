using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TxCoordinator.Participants.Diagnostics;
using TxCoordinator.Participants.Participation;

namespace TxCoordinator.Participants.Messaging;

/// <summary>Rejects messages this participant can never handle; they go to the error queue with the reason logged.</summary>
internal sealed class MessageGuard(IOptions<ParticipantOptions> options, ILogger<MessageGuard> logger)
{
    public void EnsureValid<T>(ConsumeContext<T> context, Guid transactionId, string? participantId)
        where T : class
    {
        var expected = options.Value.ParticipantId;
        string? reason = null;
        if (transactionId == Guid.Empty)
        {
            reason = "transactionId is missing or empty";
        }
        else if (!string.Equals(participantId, expected, StringComparison.Ordinal))
        {
            reason = $"participantId '{participantId}' is not this participant ('{expected}')";
        }

        if (reason is not null)
        {
            LogMessages.MalformedMessage(logger, typeof(T).Name, context.MessageId, reason);
            throw new MalformedParticipantMessageException($"{typeof(T).Name}: {reason}");
        }
    }
}
