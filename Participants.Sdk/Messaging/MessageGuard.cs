using System.Diagnostics.CodeAnalysis;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TxCoordinator.Participants.Diagnostics;
using TxCoordinator.Participants.Participation;

namespace TxCoordinator.Participants.Messaging;

/// <summary>Rejects messages this participant can never handle; they go to the error queue with the reason logged.</summary>
internal sealed class MessageGuard(IOptions<ParticipantOptions> options, ILogger<MessageGuard> logger)
{
    /// <summary>Rejects a batch that is missing, empty, larger than <paramref name="max"/> or holds a null item.</summary>
    public void EnsureBatch<T, TItem>(ConsumeContext<T> context, [NotNull] IReadOnlyList<TItem?>? items, int max)
        where T : class
        where TItem : class
    {
        if (items is null || items.Count == 0)
        {
            Reject(context, "the batch is missing or empty");
        }

        if (items.Count > max)
        {
            Reject(context, $"the batch holds {items.Count} items, more than {max}");
        }

        if (items.Any(item => item is null))
        {
            Reject(context, "the batch holds a null item");
        }
    }

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
            Reject(context, reason);
        }
    }

    [DoesNotReturn]
    private void Reject<T>(ConsumeContext<T> context, string reason)
        where T : class
    {
        LogMessages.MalformedMessage(logger, typeof(T).Name, context.MessageId, reason);
        throw new MalformedParticipantMessageException($"{typeof(T).Name}: {reason}");
    }
}
