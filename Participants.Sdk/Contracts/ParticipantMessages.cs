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

/// <summary>
/// Published to every participant when the coordinator aborts a transaction whose participants it may not all know:
/// one begun under a leader (or a coordinator process) that is gone, which may have acknowledged enlistments it never
/// logged. No <see cref="AbortTransaction"/> can reach a participant the coordinator does not know, so one holding a
/// prepared branch of it would keep it, and the rows it locks, until its recovery's grace period. On this
/// announcement it asks the coordinator about that branch at once, as its recovery would, and resolves it; one that
/// holds none does nothing. Not answered, and not resent: a lost copy leaves the branch to recovery.
/// </summary>
public sealed record TransactionAbortAnnounced(Guid TransactionId);
