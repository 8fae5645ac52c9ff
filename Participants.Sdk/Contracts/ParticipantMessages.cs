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
/// Several <see cref="CommitTransaction"/> for one participant in one message. The coordinator gathers the Commits for
/// a participant's queue that are waiting while a send to that queue is being made: the decisions one replication
/// round releases reach it at once. None waits for a window, since a Commit releases the participant's locks.
/// </summary>
public sealed record CommitTransactions(IReadOnlyList<GatheredCommit> Commits);

/// <summary>
/// One Commit of <see cref="CommitTransactions"/>, with the W3C trace context (<c>traceparent</c>) of the decision it
/// carries, so that the participant's commit appears in its transaction's trace and not only in the message's.
/// </summary>
public sealed record GatheredCommit(CommitTransaction Commit, string? TraceParent);
