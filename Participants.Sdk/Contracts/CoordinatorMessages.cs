namespace TxCoordinator.Contracts;

// Messages a participant sends to the coordinator's queue.

/// <summary>The answer to <see cref="PrepareTransaction"/>.</summary>
public sealed record ParticipantVoted(Guid TransactionId, string ParticipantId, Vote Vote, string? Reason);

/// <summary>
/// The acknowledgement of <see cref="CommitTransaction"/> or <see cref="AbortTransaction"/>: the branch is finished.
/// For a one-phase commit <see cref="Outcome"/> says whether the local commit succeeded.
/// </summary>
public sealed record ParticipantCompleted(Guid TransactionId, string ParticipantId, ParticipantOutcome Outcome, string? Reason);

/// <summary>
/// Several <see cref="ParticipantCompleted"/> in one message: a participant gathers the acknowledgements it has to send
/// to one coordinator queue over a short window (<c>ParticipantOptions.AcknowledgementBatchWindow</c>), since nothing
/// waits on them but the coordinator's bookkeeping.
/// </summary>
public sealed record ParticipantsCompleted(IReadOnlyList<ParticipantCompleted> Acknowledgements);
