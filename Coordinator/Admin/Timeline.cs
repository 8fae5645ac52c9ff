using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Admin;

/// <summary>
/// A transaction's history rebuilt from its stored record: every timestamp the record keeps becomes an event, in
/// time order (events at the same instant in protocol order). Nothing is logged separately, so a replica's copy
/// yields the same timeline as the leader's.
/// </summary>
public static class Timeline
{
    public static IReadOnlyList<TimelineEvent> Of(TransactionRecord tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var events = new List<TimelineEvent>
        {
            new(tx.CreatedAt, TimelineEvents.Created, null, $"deadline {tx.Deadline:O}"),
        };
        var participants = tx.Participants.OrderBy(p => p.EnlistedAt).ToList();
        events.AddRange(participants.Select(p => new TimelineEvent(p.EnlistedAt, TimelineEvents.Enlisted, p.ParticipantId, $"endpoint {p.Endpoint}")));
        // A participant that voted as it enlisted, before the commit was asked for, got no Prepare.
        if (tx.PrepareStartedAt is { } prepareAt
            && participants.Count(p => p.VotedAt is not { } votedAt || votedAt >= prepareAt) is var asked and > 0)
        {
            events.Add(new(prepareAt, TimelineEvents.PrepareSent, null, $"Prepare sent to {asked} participants"));
        }

        foreach (var p in participants)
        {
            if (p is { Vote: { } vote, VotedAt: { } votedAt })
            {
                events.Add(new(votedAt, TimelineEvents.Voted, p.ParticipantId, p.VoteReason is null ? $"{vote}" : $"{vote}: {p.VoteReason}"));
            }

            // A No or read-only voter leaves the protocol with its vote: its "acknowledgement" is the vote itself.
            if (p is { AcknowledgedAt: { } ackAt, Vote: not (Vote.No or Vote.ReadOnly) })
            {
                events.Add(new(ackAt, TimelineEvents.Acknowledged, p.ParticipantId, $"{p.AcknowledgedOutcome}"));
            }
        }

        events.AddRange(tx.Audit.Select(a => new TimelineEvent(
            a.At, TimelineEvents.Operator, null, $"{a.Action} by {a.Operator} ({(a.Applied ? "applied" : "refused")}): {a.Reason}")));
        if (tx.DecidedAt is { } decidedAt)
        {
            events.Add(new(decidedAt, TimelineEvents.Decided, null, Decision(tx)));
        }

        if (tx.CompletedAt is { } completedAt)
        {
            events.Add(new(completedAt, TimelineEvents.Completed, null, $"{tx.State}"));
        }

        return [.. events.OrderBy(e => e.At).ThenBy(e => TimelineEvents.Rank(e.Event))];
    }

    private static string Decision(TransactionRecord tx) => tx.State switch
    {
        TransactionState.Aborting or TransactionState.Aborted when tx.OnePhase =>
            $"commit handed to the only participant (one phase); it aborted: {tx.AbortReason}",
        TransactionState.Aborting or TransactionState.Aborted => $"Abort: {tx.AbortReason}",
        _ when tx.OnePhase => "Commit handed to the only participant (one phase)",
        _ => "Commit",
    };
}
