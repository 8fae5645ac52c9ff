using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Tests.Infrastructure;

/// <summary>Transaction records at fixed, explicit instants, driven into a state through the real protocol steps.</summary>
internal static class Transactions
{
    public static readonly Guid Id = Guid.Parse("0193a1b2-0000-7000-8000-000000000001");

    public static readonly DateTimeOffset CreatedAt = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset Deadline = CreatedAt + TimeSpan.FromSeconds(30);

    /// <summary>When the initiator asks to commit in these tests: well before the deadline.</summary>
    public static readonly DateTimeOffset CommitRequestedAt = CreatedAt + TimeSpan.FromSeconds(1);

    public static string EndpointOf(string participantId) => $"txc-participant-{participantId}";

    /// <summary>An Active transaction with the given participants enlisted.</summary>
    public static TransactionRecord Active(params string[] participantIds)
    {
        var tx = new TransactionRecord { Id = Id, CreatedAt = CreatedAt, Deadline = Deadline };
        foreach (var participantId in participantIds)
        {
            tx.Participants.Add(new ParticipantRecord
            {
                TransactionId = Id,
                ParticipantId = participantId,
                Endpoint = EndpointOf(participantId),
                EnlistedAt = CreatedAt,
            });
        }

        return tx;
    }

    /// <summary>A transaction (two or more participants) whose commit was requested: every participant was sent Prepare.</summary>
    public static TransactionRecord Preparing(params string[] participantIds)
    {
        var tx = Active(participantIds);
        var start = TransactionSteps.StartCommit(tx, CommitRequestedAt, new List<OutboundMessage>());
        Assert.Equal(TransactionSteps.CommitStart.AwaitVotes, start);
        return tx;
    }

    /// <summary>A two-phase transaction in which every participant voted Yes: the commit is decided, Commit was sent to all.</summary>
    public static TransactionRecord Committing(params string[] participantIds)
    {
        var tx = Preparing(participantIds);
        foreach (var participantId in participantIds)
        {
            TransactionSteps.ApplyVote(tx, participantId, Vote.Yes, null, CommitRequestedAt, new List<OutboundMessage>());
        }

        Assert.Equal(TransactionState.Committing, tx.State);
        return tx;
    }

    /// <summary>A transaction whose only participant was asked to commit directly.</summary>
    public static TransactionRecord OnePhaseCommitting(string participantId)
    {
        var tx = Active(participantId);
        var start = TransactionSteps.StartCommit(tx, CommitRequestedAt, new List<OutboundMessage>());
        Assert.Equal(TransactionSteps.CommitStart.AwaitOnePhaseOutcome, start);
        return tx;
    }

    public static ParticipantRecord Participant(this TransactionRecord tx, string participantId) =>
        tx.FindParticipant(participantId) ?? throw new InvalidOperationException($"'{participantId}' is not enlisted.");
}
