namespace TxCoordinator.Participants.Messaging;

/// <summary>A Prepare/Commit/Abort that can never be handled (empty transaction id, another participant's id); not retried.</summary>
public sealed class MalformedParticipantMessageException(string message) : Exception(message);
