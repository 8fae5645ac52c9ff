using System.Diagnostics.CodeAnalysis;
using MassTransit;
using TxCoordinator.Coordinator.Diagnostics;

namespace TxCoordinator.Coordinator.Messaging;

/// <summary>
/// Rejects a participant's message whose fields make no sense. The reason is logged before the message is
/// dead-lettered, so an operator looking at the <c>_error</c> queue can find out why it is there.
/// </summary>
internal static class MessageValidation
{
    /// <summary>Rejects a message without a transaction or participant id.</summary>
    /// <exception cref="InvalidMessageException">An id is missing, empty or too long.</exception>
    public static void EnsureValid<T>(ConsumeContext<T> context, Guid transactionId, string? participantId, ILogger logger)
        where T : class
    {
        if (transactionId == Guid.Empty)
        {
            Reject(context, "transactionId is missing or empty", logger);
        }

        if (string.IsNullOrWhiteSpace(participantId) || participantId.Length > 64)
        {
            Reject(context, "participantId is missing or longer than 64 characters", logger);
        }
    }

    /// <summary>Rejects a batch that is missing, empty, larger than <paramref name="max"/> or holds a null item.</summary>
    /// <exception cref="InvalidMessageException">When it is.</exception>
    public static void EnsureBatch<T, TItem>(
        ConsumeContext<T> context, [NotNull] IReadOnlyList<TItem?>? items, int max, ILogger logger)
        where T : class
        where TItem : class
    {
        if (items is null || items.Count == 0)
        {
            Reject(context, "the batch is missing or empty", logger);
        }

        if (items.Count > max)
        {
            Reject(context, $"the batch holds {items.Count} items, more than {max}", logger);
        }

        if (items.Any(item => item is null))
        {
            Reject(context, "the batch holds a null item", logger);
        }
    }

    /// <summary>Rejects a message whose enum field holds a number that names no member (JSON allows any integer).</summary>
    /// <exception cref="InvalidMessageException">When <paramref name="value"/> is not a member of <typeparamref name="TEnum"/>.</exception>
    public static void EnsureDefined<T, TEnum>(ConsumeContext<T> context, TEnum value, string field, ILogger logger)
        where T : class
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            Reject(context, $"{field} {value} is unknown (expected one of {string.Join(", ", Enum.GetNames<TEnum>())})", logger);
        }
    }

    [DoesNotReturn]
    private static void Reject<T>(ConsumeContext<T> context, string reason, ILogger logger)
        where T : class
    {
        LogMessages.MalformedMessage(logger, typeof(T).Name, context.MessageId, reason);
        throw new InvalidMessageException($"{typeof(T).Name}: {reason}");
    }
}
