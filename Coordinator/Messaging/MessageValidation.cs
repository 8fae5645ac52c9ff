using MassTransit;
using TxCoordinator.Coordinator.Diagnostics;

namespace TxCoordinator.Coordinator.Messaging;

internal static class MessageValidation
{
    /// <summary>Rejects a message without a transaction or participant id; logs why before it is dead-lettered.</summary>
    public static void EnsureValid<T>(ConsumeContext<T> context, Guid transactionId, string? participantId, ILogger logger)
        where T : class
    {
        string? reason = null;
        if (transactionId == Guid.Empty)
        {
            reason = "transactionId is missing or empty";
        }
        else if (string.IsNullOrWhiteSpace(participantId) || participantId.Length > 64)
        {
            reason = "participantId is missing or longer than 64 characters";
        }

        if (reason is not null)
        {
            LogMessages.MalformedMessage(logger, typeof(T).Name, context.MessageId, reason);
            throw new InvalidMessageException($"{typeof(T).Name}: {reason}");
        }
    }
}
