using TxCoordinator.Contracts;

namespace TxCoordinator.Coordinator.StateMachine;

/// <summary>Turns the votes of phase one into a decision: Commit only if every vote is Yes (or read-only) in time.</summary>
public static class VoteAggregator
{
    public readonly record struct Ballot(string ParticipantId, Vote? Vote, string? Reason);

    public static Decision Decide(IReadOnlyCollection<Ballot> ballots, DateTimeOffset deadline, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ballots);

        // One No is enough: there is no point waiting for the rest.
        foreach (var ballot in ballots)
        {
            if (ballot.Vote == Vote.No)
            {
                return Decision.Abort($"participant '{ballot.ParticipantId}' voted No: {ballot.Reason ?? "no reason given"}");
            }
        }

        var missing = ballots.Where(b => b.Vote is null).Select(b => b.ParticipantId).ToList();
        if (missing.Count == 0)
        {
            return Decision.Commit;
        }

        return now >= deadline
            ? Decision.Abort($"timed out waiting for the vote of {string.Join(", ", missing.Select(m => $"'{m}'"))}")
            : Decision.Pending;
    }
}
