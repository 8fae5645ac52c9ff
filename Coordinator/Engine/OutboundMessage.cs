namespace TxCoordinator.Coordinator.Engine;

/// <summary>
/// A message to a participant, sent only after the state change that caused it is durable; or, made by
/// <see cref="Announcement"/>, one published to every participant.
/// </summary>
public sealed record OutboundMessage(Guid TransactionId, string ParticipantId, string Endpoint, object Message)
{
    /// <summary>Published to every participant's queue rather than sent to one.</summary>
    public bool IsAnnouncement => Endpoint.Length == 0;

    public static OutboundMessage Announcement(Guid transactionId, object message) => new(transactionId, "", "", message);
}
