namespace TxCoordinator.Contracts;

// Messages the coordinator sends to a participant's queue. They are idempotent by
// (TransactionId, ParticipantId): a duplicate or a reordered copy must be harmless.

/// <summary>Phase one: make the branch durable with <c>PREPARE TRANSACTION</c> and vote.</summary>
public sealed record PrepareTransaction(Guid TransactionId, string ParticipantId, DateTimeOffset Deadline);

/// <summary>
/// Phase two, commit. <see cref="OnePhase"/> is set when this participant is the only one enlisted:
/// it commits its local transaction directly and its acknowledgement carries the outcome.
/// </summary>
public sealed record CommitTransaction(Guid TransactionId, string ParticipantId, bool OnePhase);

/// <summary>Phase two, abort. Also leaves a barrier so that a Prepare arriving later votes No.</summary>
public sealed record AbortTransaction(Guid TransactionId, string ParticipantId, string Reason);
