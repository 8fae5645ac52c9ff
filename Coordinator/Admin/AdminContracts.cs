using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Admin;

// What the admin API answers. Everything is plain JSON (camelCase, enums as names) for the CLI and the dashboard.

/// <summary>One page of <c>GET /admin/transactions</c>.</summary>
/// <param name="Items">At most <c>limit</c> transactions, in (createdAt, id) order.</param>
/// <param name="Next">Pass as <c>after</c> to get the next page; null on the last page.</param>
public sealed record TransactionPage(IReadOnlyList<TransactionListItem> Items, string? Next);

/// <summary>A transaction in a list: enough to spot what needs attention.</summary>
/// <param name="AgeSeconds">Seconds since the transaction was created.</param>
/// <param name="MaxDeliveryAttempts">Most unanswered deliveries to one participant in the current phase.</param>
/// <param name="Stuck">True when an unfinished transaction has a participant at or over Coordinator:StuckAfterAttempts.</param>
public sealed record TransactionListItem(
    Guid Id,
    TransactionState State,
    DateTimeOffset CreatedAt,
    double AgeSeconds,
    DateTimeOffset Deadline,
    DateTimeOffset? DecidedAt,
    DateTimeOffset? CompletedAt,
    string? AbortReason,
    IReadOnlyList<string> Participants,
    int MaxDeliveryAttempts,
    bool Stuck,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary><c>GET /admin/transactions/summary</c>.</summary>
/// <param name="ByState">Number of transactions in each state (every state is listed, zero included).</param>
/// <param name="Unfinished">Transactions not yet Committed or Aborted.</param>
/// <param name="OldestUnfinishedAgeSeconds">Age of the oldest unfinished transaction; null when there is none.</param>
/// <param name="StuckTransactions">Unfinished transactions with at least one stuck participant.</param>
/// <param name="StuckParticipants">Participants of unfinished transactions with deliveryAttempts ≥ <paramref name="StuckAfterAttempts"/>.</param>
public sealed record TransactionSummary(
    IReadOnlyDictionary<string, long> ByState,
    long Total,
    long Unfinished,
    double? OldestUnfinishedAgeSeconds,
    Guid? OldestUnfinishedId,
    long StuckTransactions,
    long StuckParticipants,
    int StuckAfterAttempts);

/// <summary><c>GET /admin/transactions/{id}</c>: the whole record and its history.</summary>
public sealed record TransactionDetail(
    Guid Id,
    TransactionState State,
    TransactionOutcome? Outcome,
    DateTimeOffset CreatedAt,
    DateTimeOffset Deadline,
    DateTimeOffset? PrepareStartedAt,
    DateTimeOffset? DecidedAt,
    DateTimeOffset? CompletedAt,
    string? AbortReason,
    bool OnePhase,
    // Each enlistment was made durable before it was acknowledged (Coordinator:DurableEnlistments when it began): a
    // failover does not abort it while Active.
    bool DurableEnlistments,
    long Revision,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<ParticipantDetail> Participants,
    IReadOnlyList<AuditEntry> Audit,
    IReadOnlyList<TimelineEvent> Timeline);

/// <summary>A participant with its vote, acknowledgement and delivery bookkeeping.</summary>
public sealed record ParticipantDetail(
    string ParticipantId,
    string Endpoint,
    DateTimeOffset EnlistedAt,
    Vote? Vote,
    string? VoteReason,
    DateTimeOffset? VotedAt,
    DateTimeOffset? AcknowledgedAt,
    ParticipantOutcome? AcknowledgedOutcome,
    int DeliveryAttempts,
    DateTimeOffset? LastSentAt,
    bool Stuck);

/// <summary>One thing that happened to a transaction, derived from its stored record.</summary>
/// <param name="Event">One of the <see cref="TimelineEvents"/> names.</param>
/// <param name="Participant">The participant concerned, when there is one.</param>
/// <param name="Detail">Human-readable: vote and reason, outcome, operator ...</param>
public sealed record TimelineEvent(DateTimeOffset At, string Event, string? Participant, string Detail);

/// <summary>Body of <c>POST /admin/transactions/{id}/heuristic-abort</c>.</summary>
/// <param name="Reason">Why the operator aborts (required, up to 1024 characters).</param>
/// <param name="Operator">Who aborts (required, up to 64 characters).</param>
public sealed record HeuristicAbortRequest(string? Reason, string? Operator);

/// <summary>Answer of a heuristic abort that was applied.</summary>
public sealed record HeuristicAbortResult(Guid Id, TransactionState State, string? AbortReason, AuditEntry Audit);
