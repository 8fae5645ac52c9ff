namespace TxCoordinator.Contracts;

// Messages a participant sends to the coordinator's queue.

/// <summary>The answer to <see cref="PrepareTransaction"/>.</summary>
public sealed record ParticipantVoted(Guid TransactionId, string ParticipantId, Vote Vote, string? Reason);

/// <summary>
/// The acknowledgement of <see cref="CommitTransaction"/> or <see cref="AbortTransaction"/>: the branch is finished.
/// For a one-phase commit <see cref="Outcome"/> says whether the local commit succeeded.
/// </summary>
public sealed record ParticipantCompleted(Guid TransactionId, string ParticipantId, ParticipantOutcome Outcome, string? Reason);
