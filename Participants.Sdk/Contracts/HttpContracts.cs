using System.Text.Json.Serialization;

namespace TxCoordinator.Contracts;

// The coordinator's HTTP API, shared by the coordinator and the SDK's clients.

/// <summary>Body of <c>POST /transactions</c>.</summary>
/// <param name="TimeoutSeconds">Time before an uncommitted transaction is aborted; the coordinator's default when null.</param>
/// <param name="Metadata">Free-form labels shown to operators (order id, initiating service, ...).</param>
public sealed record BeginTransactionRequest(double? TimeoutSeconds = null, IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>Body of <c>POST /transactions/{id}/participants</c>.</summary>
/// <param name="ParticipantId">Stable, unique name of the participating service (letters, digits, '-', '_').</param>
/// <param name="Endpoint">Queue the coordinator sends Prepare/Commit/Abort to.</param>
/// <param name="Vote">
/// The participant's vote when its work is already prepared (<see cref="Contracts.Vote.Yes"/>) or changed nothing
/// (<see cref="Contracts.Vote.ReadOnly"/>): the coordinator then sends it no Prepare (an unsolicited vote). Null when
/// the participant enlists before its work and waits for Prepare.
/// </param>
public sealed record EnlistRequest(string ParticipantId, string Endpoint, Vote? Vote = null);

/// <summary>Body of <c>POST /transactions/{id}/abort</c>.</summary>
public sealed record AbortRequest(string? Reason = null);

/// <summary>States of a distributed transaction at the coordinator.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TransactionState>))]
public enum TransactionState
{
    Active,
    Preparing,
    Committing,
    Aborting,
    Committed,
    Aborted,
}

/// <summary>The final outcome of a transaction, as returned by commit and abort.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TransactionOutcome>))]
public enum TransactionOutcome
{
    Committed,
    Aborted,
}

/// <summary>A transaction as the coordinator sees it.</summary>
public sealed record TransactionView(
    Guid Id,
    TransactionState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset Deadline,
    DateTimeOffset? DecidedAt,
    DateTimeOffset? CompletedAt,
    TransactionOutcome? Outcome,
    string? AbortReason,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<ParticipantView> Participants);

/// <summary>One enlisted participant of a transaction.</summary>
public sealed record ParticipantView(
    string ParticipantId,
    string Endpoint,
    DateTimeOffset EnlistedAt,
    Vote? Vote,
    string? VoteReason,
    DateTimeOffset? VotedAt,
    DateTimeOffset? AcknowledgedAt,
    int DeliveryAttempts);

/// <summary>Answer of <c>POST /transactions/{id}/commit</c> and <c>/abort</c>.</summary>
public sealed record OutcomeView(Guid Id, TransactionOutcome Outcome, string? Reason, TransactionState State);

/// <summary>Well-known header names used to propagate a transaction between services.</summary>
public static class TransactionHeaders
{
    /// <summary>HTTP and MassTransit header carrying the distributed transaction id.</summary>
    public const string TransactionId = "Txc-Transaction-Id";
}
