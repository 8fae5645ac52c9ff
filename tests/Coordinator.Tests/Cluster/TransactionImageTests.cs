using System.Text.Json;
using System.Text.RegularExpressions;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.Coordinator.Tests.Infrastructure;

namespace TxCoordinator.Coordinator.Tests.Cluster;

public sealed class TransactionImageTests
{
    private static readonly DateTimeOffset VotedAt = Transactions.CommitRequestedAt + TimeSpan.FromSeconds(1);
    private static readonly DateTimeOffset DecidedAt = Transactions.CommitRequestedAt + TimeSpan.FromSeconds(2);
    private static readonly DateTimeOffset AcknowledgedAt = Transactions.CommitRequestedAt + TimeSpan.FromSeconds(3);

    private static readonly AuditEntry OperatorRefusal = new(
        DecidedAt, AuditEntry.HeuristicAbort, "alice", "participant looks hung", TransactionState.Preparing, Applied: false, "refused for the test");

    /// <summary>
    /// Revision 5 of a commit: inventory voted Yes and acknowledged, catalog voted read-only, payments voted Yes last
    /// (deciding the commit) and has not acknowledged yet.
    /// </summary>
    private static TransactionRecord Committing()
    {
        var tx = Transactions.Preparing("inventory", "catalog", "payments");
        tx.Metadata["OrderId"] = "A-1001";
        tx.Audit.Add(OperatorRefusal);
        TransactionSteps.ApplyVote(tx, "inventory", Vote.Yes, null, VotedAt, new List<OutboundMessage>());
        TransactionSteps.ApplyVote(tx, "catalog", Vote.ReadOnly, "nothing to change", VotedAt, new List<OutboundMessage>());
        TransactionSteps.ApplyVote(tx, "payments", Vote.Yes, null, DecidedAt, new List<OutboundMessage>());
        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Committed, null, AcknowledgedAt);
        for (var change = 0; change < 5; change++)
        {
            tx.NextRevision();
        }

        Assert.Equal(TransactionState.Committing, tx.State);
        return tx;
    }

    /// <summary>The column names of one <c>jsonb_to_recordset(…) AS alias(…)</c> in the SQL that writes images.</summary>
    private static List<string> RecordsetColumns(string alias)
    {
        var match = Regex.Match(TransactionImageWriter.UpsertSql, $@"jsonb_to_recordset\(@\w+\) AS {alias}\((?<columns>[^)]*)\)");
        Assert.True(match.Success, $"TransactionImageWriter.UpsertSql has no recordset named '{alias}'.");
        return [.. match.Groups["columns"].Value.Split(',').Select(column => column.Trim().Split(' ')[0])];
    }

    [Fact]
    public void Of_CommittingTransaction_CopiesEveryField()
    {
        var image = TransactionImage.Of(Committing());

        var expected = new TransactionImage(
            Transactions.Id, TransactionState.Committing, Transactions.CreatedAt, Transactions.Deadline, DecidedAt,
            PrepareStartedAt: Transactions.CommitRequestedAt, CompletedAt: null, AbortReason: null, OnePhase: false,
            DurableEnlistments: false, image.Metadata, image.Audit, Revision: 5, image.Participants);
        Assert.Equal(expected, image);
        Assert.Equal(new Dictionary<string, string> { ["OrderId"] = "A-1001" }, image.Metadata);
    }

    [Fact]
    public void Of_CommittingTransaction_CopiesEveryParticipantWithTheTransactionsRevision()
    {
        var image = TransactionImage.Of(Committing());

        Assert.Equal(
            [
                new ParticipantImage(
                    Transactions.Id, "inventory", "txc-participant-inventory", Transactions.CreatedAt, Vote.Yes, null, VotedAt,
                    AcknowledgedAt, ParticipantOutcome.Committed, DeliveryAttempts: 1, LastSentAt: DecidedAt, Revision: 5),
                new ParticipantImage(
                    Transactions.Id, "catalog", "txc-participant-catalog", Transactions.CreatedAt, Vote.ReadOnly, "nothing to change", VotedAt,
                    VotedAt, ParticipantOutcome.Aborted, DeliveryAttempts: 1, LastSentAt: Transactions.CommitRequestedAt, Revision: 5),
                new ParticipantImage(
                    Transactions.Id, "payments", "txc-participant-payments", Transactions.CreatedAt, Vote.Yes, null, DecidedAt,
                    AcknowledgedAt: null, AcknowledgedOutcome: null, DeliveryAttempts: 1, LastSentAt: DecidedAt, Revision: 5),
            ],
            image.Participants);
    }

    [Fact]
    public void Of_OnePhaseCommitRefusedByItsParticipant_CarriesReasonCompletionAndOnePhase()
    {
        var tx = Transactions.OnePhaseCommitting("inventory");
        TransactionSteps.ApplyAcknowledgement(tx, "inventory", ParticipantOutcome.Aborted, "out of stock", AcknowledgedAt);
        tx.NextRevision();
        tx.NextRevision();

        var image = TransactionImage.Of(tx);

        var expected = new TransactionImage(
            Transactions.Id, TransactionState.Aborted, Transactions.CreatedAt, Transactions.Deadline, Transactions.CommitRequestedAt,
            PrepareStartedAt: null, AcknowledgedAt, "participant 'inventory' could not commit: out of stock", OnePhase: true,
            DurableEnlistments: false, image.Metadata, image.Audit, Revision: 2, image.Participants);
        Assert.Equal(expected, image);
        Assert.Empty(image.Metadata);
        Assert.Equal(
            [
                new ParticipantImage(
                    Transactions.Id, "inventory", "txc-participant-inventory", Transactions.CreatedAt, Vote: null, VoteReason: null,
                    VotedAt: null, AcknowledgedAt, ParticipantOutcome.Aborted, DeliveryAttempts: 1, LastSentAt: Transactions.CommitRequestedAt,
                    Revision: 2),
            ],
            image.Participants);
    }

    [Fact]
    public void Of_RecordChangedAfterwards_ImageKeepsTheValuesItWasTakenWith()
    {
        var tx = Committing();
        var image = TransactionImage.Of(tx);

        TransactionSteps.ApplyAcknowledgement(tx, "payments", ParticipantOutcome.Committed, null, AcknowledgedAt);
        tx.NextRevision();

        // The image waits in the replication batch while the record lives on: it must be a copy, not a view.
        Assert.Equal((TransactionState.Committed, 6), (tx.State, tx.Revision));
        Assert.Equal((TransactionState.Committing, (DateTimeOffset?)null, 5), (image.State, image.CompletedAt, image.Revision));
        Assert.Equal(((DateTimeOffset?)null, 5), (image.Participants[2].AcknowledgedAt, image.Participants[2].Revision));
    }

    [Fact]
    public void Json_TransactionRow_HasExactlyTheColumnsOfTheTransactionsRecordset()
    {
        var image = TransactionImage.Of(Committing());

        // Serialised as TransactionImageWriter does: transaction rows without their participants, then the participants.
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(new[] { image with { Participants = [] } }, TransactionImage.Json));

        var row = Assert.Single(json.RootElement.EnumerateArray().ToList());
        Assert.Equal(
            [
                "id", "state", "created_at", "deadline", "decided_at", "prepare_started_at", "completed_at", "abort_reason", "one_phase",
                "durable_enlistments", "metadata", "audit", "revision",
            ],
            RecordsetColumns("t"));
        Assert.Equal([.. RecordsetColumns("t"), "participants"], row.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Array, row.GetProperty("participants").ValueKind);
        Assert.Equal(0, row.GetProperty("participants").GetArrayLength());
    }

    [Fact]
    public void Json_TransactionRow_WritesValuesInTheFormsTheColumnsStore()
    {
        var image = TransactionImage.Of(Committing());

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(image, TransactionImage.Json));

        var row = json.RootElement;
        Assert.Equal("0193a1b2-0000-7000-8000-000000000001", row.GetProperty("id").GetString());
        Assert.Equal("Committing", row.GetProperty("state").GetString()); // the enum's name, as EF Core stores it
        Assert.Equal("2026-01-01T12:00:00+00:00", row.GetProperty("created_at").GetString());
        Assert.Equal("2026-01-01T12:00:30+00:00", row.GetProperty("deadline").GetString());
        Assert.Equal("2026-01-01T12:00:03+00:00", row.GetProperty("decided_at").GetString());
        Assert.Equal(JsonValueKind.Null, row.GetProperty("completed_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, row.GetProperty("abort_reason").ValueKind);
        Assert.Equal(JsonValueKind.False, row.GetProperty("one_phase").ValueKind);
        Assert.Equal(5, row.GetProperty("revision").GetInt64());
        // Metadata keys are the caller's data: the naming policy must not turn OrderId into order_id.
        Assert.Equal("""{"OrderId":"A-1001"}""", row.GetProperty("metadata").GetRawText());
    }

    [Fact]
    public void Json_ParticipantRows_HaveExactlyTheColumnsOfTheParticipantsRecordset()
    {
        var image = TransactionImage.Of(Committing());

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(image.Participants, TransactionImage.Json));

        var rows = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(
            [
                "transaction_id", "participant_id", "endpoint", "enlisted_at", "vote", "vote_reason", "voted_at", "acknowledged_at",
                "acknowledged_outcome", "delivery_attempts", "last_sent_at", "revision",
            ],
            RecordsetColumns("p"));
        Assert.Equal(3, rows.Count);
        Assert.All(rows, row => Assert.Equal(RecordsetColumns("p"), row.EnumerateObject().Select(p => p.Name)));
    }

    [Fact]
    public void Json_ParticipantRows_WriteValuesInTheFormsTheColumnsStore()
    {
        var image = TransactionImage.Of(Committing());

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(image.Participants, TransactionImage.Json));

        var rows = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(
            [
                ("0193a1b2-0000-7000-8000-000000000001", "inventory", "Yes", "Committed"),
                ("0193a1b2-0000-7000-8000-000000000001", "catalog", "ReadOnly", "Aborted"),
                ("0193a1b2-0000-7000-8000-000000000001", "payments", "Yes", null),
            ],
            rows.Select(r => (
                r.GetProperty("transaction_id").GetString(), r.GetProperty("participant_id").GetString(), r.GetProperty("vote").GetString(),
                r.GetProperty("acknowledged_outcome").GetString())));
        Assert.Equal("txc-participant-inventory", rows[0].GetProperty("endpoint").GetString());
        Assert.Equal("2026-01-01T12:00:02+00:00", rows[0].GetProperty("voted_at").GetString());
        Assert.Equal("nothing to change", rows[1].GetProperty("vote_reason").GetString());
        Assert.Equal(JsonValueKind.Null, rows[2].GetProperty("acknowledged_at").ValueKind);
        Assert.All(rows, r => Assert.Equal((1, 5L), (r.GetProperty("delivery_attempts").GetInt32(), r.GetProperty("revision").GetInt64())));
    }

    [Fact]
    public void Json_RoundTrip_RestoresEveryFieldAndParticipant()
    {
        var image = TransactionImage.Of(Committing());

        // How a replica reads a log entry or a snapshot line back.
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new[] { image }, TransactionImage.Json);
        var restored = Assert.Single(JsonSerializer.Deserialize<List<TransactionImage>>(bytes, TransactionImage.Json)!);

        Assert.Equal(image, restored with { Metadata = image.Metadata, Audit = image.Audit, Participants = image.Participants });
        Assert.Equal(image.Metadata, restored.Metadata);
        Assert.Equal(image.Audit, restored.Audit);
        Assert.Equal(image.Participants, restored.Participants);
    }

    [Fact]
    public void Of_TransactionWithOperatorActions_CopiesTheAuditAndTheStartOfPhaseOne()
    {
        var tx = Committing();

        var image = TransactionImage.Of(tx);
        tx.Audit.Add(OperatorRefusal with { Operator = "bob" });

        Assert.Equal([OperatorRefusal], image.Audit);
        Assert.Equal(Transactions.CommitRequestedAt, image.PrepareStartedAt);
    }

    [Fact]
    public void Json_Audit_IsWrittenAsTheEntityConfigurationStoresIt()
    {
        var image = TransactionImage.Of(Committing());

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(image, TransactionImage.Json));

        // The jsonb column is written by EF Core with default options on the leader alone and from images on replicas:
        // both must give the same document, or replicas would disagree on field names.
        Assert.Equal(
            JsonSerializer.Serialize(new List<AuditEntry> { OperatorRefusal }, JsonSerializerOptions.Default),
            json.RootElement.GetProperty("audit").GetRawText());
        Assert.Equal("2026-01-01T12:00:01+00:00", json.RootElement.GetProperty("prepare_started_at").GetString());
    }

    [Fact]
    public void Json_ImageFromBeforeAudits_ReadsWithoutAuditAndTheWriterStoresAnEmptyList()
    {
        const string oldEntry = """
            [{"id":"0193a1b2-0000-7000-8000-000000000001","state":"Active","created_at":"2026-01-01T12:00:00+00:00",
              "deadline":"2026-01-01T12:00:30+00:00","decided_at":null,"completed_at":null,"abort_reason":null,
              "one_phase":false,"metadata":{},"revision":1,"participants":[]}]
            """;

        var image = Assert.Single(JsonSerializer.Deserialize<List<TransactionImage>>(oldEntry, TransactionImage.Json)!);

        Assert.Null(image.Audit);
        Assert.Null(image.PrepareStartedAt);
        Assert.False(image.DurableEnlistments);
        Assert.Contains("COALESCE(audit, '[]'::jsonb)", TransactionImageWriter.UpsertSql, StringComparison.Ordinal);
        // The writer gets images, not the entry's text: what the old entry lacked, the image it reads as says.
        Assert.Contains("\"durable_enlistments\":false", JsonSerializer.Serialize(image, TransactionImage.Json), StringComparison.Ordinal);
    }

    [Fact]
    public void TransactionBegunWithDurableEnlistments_KeepsItThroughTheLogAndBack()
    {
        var tx = new TransactionRecord
        {
            Id = Transactions.Id, CreatedAt = Transactions.CreatedAt, Deadline = Transactions.Deadline, DurableEnlistments = true,
        };

        var json = JsonSerializer.Serialize(TransactionImage.Of(tx), TransactionImage.Json);
        var restored = JsonSerializer.Deserialize<TransactionImage>(json, TransactionImage.Json)!.ToRecord();

        Assert.Contains("\"durable_enlistments\":true", json, StringComparison.Ordinal);
        Assert.True(restored.DurableEnlistments);
        Assert.False(TransactionImage.SameContent(TransactionImage.Of(tx), TransactionImage.Of(Transactions.Active())));
    }

    [Fact]
    public void ToRecord_CommittingTransaction_RestoresEveryFieldAndParticipant()
    {
        var image = TransactionImage.Of(Committing());

        var record = image.ToRecord();

        Assert.Equal(
            JsonSerializer.Serialize(image, TransactionImage.Json),
            JsonSerializer.Serialize(TransactionImage.Of(record), TransactionImage.Json));
        Assert.All(record.Participants, p => Assert.Equal(image.Id, p.TransactionId));
    }

    [Fact]
    public void ToRecord_RecordChangedAfterwards_ImageKeepsItsValues()
    {
        var image = TransactionImage.Of(Committing());
        var before = JsonSerializer.Serialize(image, TransactionImage.Json);

        var record = image.ToRecord();
        TransactionSteps.ApplyAcknowledgement(record, "payments", ParticipantOutcome.Committed, null, AcknowledgedAt);
        record.Metadata["OrderId"] = "changed";
        record.Audit.Clear();
        record.NextRevision();

        Assert.Equal(TransactionState.Committed, record.State);
        Assert.Equal(before, JsonSerializer.Serialize(image, TransactionImage.Json));
    }

    [Fact]
    public void SameContent_BeforeAndAfterADuplicateVote_IsTrue()
    {
        var tx = Committing();
        var image = TransactionImage.Of(tx);

        TransactionSteps.ApplyVote(tx, "payments", Vote.Yes, null, AcknowledgedAt, new List<OutboundMessage>());

        Assert.True(TransactionImage.SameContent(image, TransactionImage.Of(tx)));
    }

    public static TheoryData<string> Changes() =>
    [
        "state", "revision", "metadata value", "metadata key", "audit entry", "participant added", "vote",
        "vote reason", "acknowledgement", "delivery attempt", "sent at",
    ];

    [Theory]
    [MemberData(nameof(Changes))]
    public void SameContent_BeforeAndAfterAnyFieldChanged_IsFalse(string change)
    {
        var tx = Transactions.Preparing("inventory", "payments");
        tx.Metadata["OrderId"] = "A-1001";
        var image = TransactionImage.Of(tx);
        var payments = tx.Participant("payments");

        switch (change)
        {
            case "state": tx.TransitionTo(TransactionState.Aborting, DecidedAt, "refused"); break;
            case "revision": tx.NextRevision(); break;
            case "metadata value": tx.Metadata["OrderId"] = "A-1002"; break;
            case "metadata key": tx.Metadata["Customer"] = "c-1"; break;
            case "audit entry": tx.Audit.Add(OperatorRefusal); break;
            case "participant added": tx.Participants.Add(new ParticipantRecord { TransactionId = tx.Id, ParticipantId = "catalog", Endpoint = "txc-participant-catalog" }); break;
            case "vote": payments.Vote = Vote.Yes; break;
            case "vote reason": payments.VoteReason = "why"; break;
            case "acknowledgement": payments.AcknowledgedOutcome = ParticipantOutcome.Aborted; break;
            case "delivery attempt": payments.DeliveryAttempts++; break;
            case "sent at": payments.LastSentAt = AcknowledgedAt; break;
            default: throw new ArgumentOutOfRangeException(nameof(change), change, null);
        }

        Assert.False(TransactionImage.SameContent(image, TransactionImage.Of(tx)), change);
    }

    [Fact]
    public void SameContent_EqualImagesBuiltApart_IsTrue()
    {
        var tx = Committing();

        Assert.True(TransactionImage.SameContent(TransactionImage.Of(tx), TransactionImage.Of(tx)));
    }

    [Fact]
    public void SameContent_ImageWrittenBeforeAuditTrailsAgainstEmptyTrail_IsTrue()
    {
        var image = TransactionImage.Of(Transactions.Active("inventory"));

        Assert.True(TransactionImage.SameContent(image with { Audit = null }, image));
    }

    [Fact]
    public void SameContent_ParticipantOrMetadataDiffers_IsFalse()
    {
        var tx = Committing();
        var image = TransactionImage.Of(tx);
        tx.Participant("payments").DeliveryAttempts++;
        var resent = TransactionImage.Of(tx);
        tx.Metadata["OrderId"] = "A-1002";

        Assert.False(TransactionImage.SameContent(image, resent));
        Assert.False(TransactionImage.SameContent(resent, TransactionImage.Of(tx)));
    }
}
