using TxCoordinator.Contracts;

namespace TxCoordinator.Coordinator.Persistence;

/// <summary>One participant enlisted in a transaction: its vote, its acknowledgement and the delivery bookkeeping.</summary>
public sealed class ParticipantRecord
{
    public Guid TransactionId { get; init; }

    public required string ParticipantId { get; init; }

    /// <summary>Queue the coordinator sends this participant's messages to.</summary>
    public required string Endpoint { get; init; }

    public DateTimeOffset EnlistedAt { get; init; }

    public Vote? Vote { get; set; }

    public string? VoteReason { get; set; }

    public DateTimeOffset? VotedAt { get; set; }

    public DateTimeOffset? AcknowledgedAt { get; set; }

    public ParticipantOutcome? AcknowledgedOutcome { get; set; }

    /// <summary>Messages of the current phase sent to this participant so far.</summary>
    public int DeliveryAttempts { get; set; }

    public DateTimeOffset? LastSentAt { get; set; }

    public uint Version { get; private set; }

    /// <summary>True once nothing more is expected from this participant.</summary>
    public bool IsDone => AcknowledgedAt is not null;

    public void RecordVote(Vote vote, string? reason, DateTimeOffset now)
    {
        Vote = vote;
        VoteReason = reason;
        VotedAt = now;
        // A No voter has already rolled back and a read-only one has nothing to finish: neither takes part in phase two.
        if (vote is Contracts.Vote.No or Contracts.Vote.ReadOnly)
        {
            AcknowledgedAt = now;
            AcknowledgedOutcome = ParticipantOutcome.Aborted;
        }
    }

    public void RecordSent(DateTimeOffset now)
    {
        DeliveryAttempts++;
        LastSentAt = now;
    }

    /// <summary>Starts the delivery count again for a new phase.</summary>
    public void ResetDelivery()
    {
        DeliveryAttempts = 0;
        LastSentAt = null;
    }
}
