using System.Text.Json;
using System.Text.Json.Serialization;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// A transaction's whole record after one change: what a Raft log entry carries. Property names are the table's
/// column names, so a replica writes a batch of images with one <c>jsonb_to_recordset</c> statement.
/// </summary>
internal sealed record TransactionImage(
    Guid Id,
    TransactionState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset Deadline,
    DateTimeOffset? DecidedAt,
    DateTimeOffset? PrepareStartedAt,
    DateTimeOffset? CompletedAt,
    string? AbortReason,
    bool OnePhase,
    // False in log entries and snapshots written before it existed, which is what those transactions were.
    bool DurableEnlistments,
    Dictionary<string, string> Metadata,
    // Null in log entries and snapshots written before operators' actions were recorded; the writer stores [] then.
    List<AuditEntry>? Audit,
    long Revision,
    List<ParticipantImage> Participants)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
    };

    public static TransactionImage Of(TransactionRecord tx) => new(
        tx.Id, tx.State, tx.CreatedAt, tx.Deadline, tx.DecidedAt, tx.PrepareStartedAt, tx.CompletedAt, tx.AbortReason, tx.OnePhase, tx.DurableEnlistments,
        new Dictionary<string, string>(tx.Metadata, StringComparer.Ordinal), [.. tx.Audit], tx.Revision,
        [.. tx.Participants.Select(p => new ParticipantImage(
            tx.Id, p.ParticipantId, p.Endpoint, p.EnlistedAt, p.Vote, p.VoteReason, p.VotedAt, p.AcknowledgedAt,
            p.AcknowledgedOutcome, p.DeliveryAttempts, p.LastSentAt, tx.Revision))]);

    /// <summary>
    /// Whether two images say the same thing: records compare their collections by reference, so those are compared
    /// item by item and every other field as the record does (a missing audit trail says the same as an empty one:
    /// the writer stores [] for it). The engine tells a change from a duplicate message this way too, comparing the
    /// images before and after.
    /// </summary>
    public static bool SameContent(TransactionImage a, TransactionImage b) =>
        ReferenceEquals(a, b)
        || (a with { Metadata = b.Metadata, Audit = b.Audit, Participants = b.Participants } == b
            && SameMetadata(a.Metadata, b.Metadata)
            && (a.Audit ?? []).SequenceEqual(b.Audit ?? [])
            && a.Participants.SequenceEqual(b.Participants));

    private static bool SameMetadata(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var value) && value == pair.Value);

    /// <summary>A new record with this image's values; nothing is shared with the image, so the record may be changed.</summary>
    public TransactionRecord ToRecord() => TransactionRecord.Restore(
        Id, State, CreatedAt, Deadline, DecidedAt, PrepareStartedAt, CompletedAt, AbortReason, OnePhase, DurableEnlistments,
        new Dictionary<string, string>(Metadata, StringComparer.Ordinal), Audit is null ? [] : [.. Audit], Revision,
        [.. Participants.Select(p => new ParticipantRecord
        {
            TransactionId = Id,
            ParticipantId = p.ParticipantId,
            Endpoint = p.Endpoint,
            EnlistedAt = p.EnlistedAt,
            Vote = p.Vote,
            VoteReason = p.VoteReason,
            VotedAt = p.VotedAt,
            AcknowledgedAt = p.AcknowledgedAt,
            AcknowledgedOutcome = p.AcknowledgedOutcome,
            DeliveryAttempts = p.DeliveryAttempts,
            LastSentAt = p.LastSentAt,
        })]);
}

/// <summary>One participant inside a <see cref="TransactionImage"/>; <see cref="Revision"/> is the transaction's.</summary>
internal sealed record ParticipantImage(
    Guid TransactionId,
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
    long Revision);
