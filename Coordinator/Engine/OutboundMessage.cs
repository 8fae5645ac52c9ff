namespace TxCoordinator.Coordinator.Engine;

/// <summary>A message to a participant, sent only after the state change that caused it is durable.</summary>
public sealed record OutboundMessage(Guid TransactionId, string ParticipantId, string Endpoint, object Message);
