using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Persistence;
using TxCoordinator.Coordinator.StateMachine;

namespace TxCoordinator.Coordinator.Engine;

/// <summary>
/// The protocol itself: how a transaction's record changes for each request, vote, acknowledgement and tick of the
/// clock, and which messages each change sends. Pure functions over the record, so every rule is unit-tested without
/// a database or a bus; <see cref="TransactionEngine"/> loads, saves and sends around them.
/// </summary>
public static class TransactionSteps
{
    public enum CommitStart
    {
        /// <summary>The transaction is final, or its decision is already durable.</summary>
        Decided,
        AwaitVotes,
        AwaitOnePhaseOutcome,
        /// <summary>The transaction is aborted (possibly just now, by its timeout): commit is refused.</summary>
        Refused,
    }

    public static CommitStart StartCommit(TransactionRecord tx, DateTimeOffset now, ICollection<OutboundMessage> outbox)
    {
        ArgumentNullException.ThrowIfNull(tx);
        switch (tx.State)
        {
            case TransactionState.Committed:
                return CommitStart.Decided;
            case TransactionState.Committing:
                return tx.OnePhase ? CommitStart.AwaitOnePhaseOutcome : CommitStart.Decided;
            case TransactionState.Aborting or TransactionState.Aborted:
                return CommitStart.Refused;
            case TransactionState.Preparing:
                return CommitStart.AwaitVotes;
        }

        if (now >= tx.Deadline)
        {
            Abort(tx, "timed out before commit", now, outbox);
            return CommitStart.Refused;
        }

        if (tx.Participants.Count == 0)
        {
            tx.TransitionTo(TransactionState.Committed, now);
            return CommitStart.Decided;
        }

        if (tx.Participants is [{ Vote: null } only])
        {
            // Presumed abort with a single participant: its local commit is the decision, no Prepare round trip.
            tx.BeginOnePhaseCommit(now);
            only.ResetDelivery();
            Send(tx, only, new CommitTransaction(tx.Id, only.ParticipantId, OnePhase: true), now, outbox);
            return CommitStart.AwaitOnePhaseOutcome;
        }

        // Whoever voted as it enlisted is prepared (or read-only) already: only the others are asked. With every vote
        // in, the decision is taken at once.
        tx.TransitionTo(TransactionState.Preparing, now);
        foreach (var participant in tx.Participants.Where(p => p.Vote is null))
        {
            participant.ResetDelivery();
            Send(tx, participant, new PrepareTransaction(tx.Id, participant.ParticipantId, tx.Deadline), now, outbox);
        }

        return Decide(tx, now, outbox).Kind == DecisionKind.Pending ? CommitStart.AwaitVotes : CommitStart.Decided;
    }

    /// <summary>
    /// Records the vote a participant sent with its enlistment while the transaction is Active: Yes once its work is
    /// prepared, ReadOnly when it changed nothing (the unsolicited vote: the commit will not ask it to prepare).
    /// </summary>
    public static void RecordUnsolicitedVote(TransactionRecord tx, ParticipantRecord participant, Vote vote, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(participant);
        if (tx.State != TransactionState.Active || vote is not (Vote.Yes or Vote.ReadOnly) || participant.Vote is not null)
        {
            throw new InvalidOperationException(
                $"An unsolicited vote is a first Yes or ReadOnly while the transaction is Active, not {vote} in {tx.State}.");
        }

        participant.RecordVote(vote, null, now);
    }

    /// <summary>Aborts unless already decided. Returns false when the transaction is committed or committing.</summary>
    public static bool Abort(TransactionRecord tx, string reason, DateTimeOffset now, ICollection<OutboundMessage> outbox)
    {
        ArgumentNullException.ThrowIfNull(tx);
        switch (tx.State)
        {
            case TransactionState.Aborting or TransactionState.Aborted:
                return true;
            case TransactionState.Committing or TransactionState.Committed:
                return false;
        }

        if (tx.Participants.TrueForAll(p => p.IsDone))
        {
            tx.TransitionTo(TransactionState.Aborted, now, reason);
            return true;
        }

        tx.TransitionTo(TransactionState.Aborting, now, reason);
        SendPhaseTwo(tx, now, outbox);
        TryComplete(tx, now);
        return true;
    }

    public enum VoteResult { Recorded, Duplicate, UnknownParticipant, NotPreparing }

    public static VoteResult ApplyVote(TransactionRecord tx, string participantId, Vote vote, string? reason, DateTimeOffset now, ICollection<OutboundMessage> outbox)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var participant = tx.FindParticipant(participantId);
        if (participant is null)
        {
            return VoteResult.UnknownParticipant;
        }

        if (participant.Vote is not null)
        {
            return VoteResult.Duplicate;
        }

        // Committing or Committed without this vote is a one-phase commit: its participant decides, and answers
        // with an acknowledgement; a vote is meaningless there.
        if (tx.State is TransactionState.Active or TransactionState.Committing or TransactionState.Committed)
        {
            return VoteResult.NotPreparing;
        }

        if (tx.State == TransactionState.Preparing && now >= tx.Deadline)
        {
            // Commit needs every Yes before the deadline: this one is late, so the transaction aborts as if it had
            // never come (the voter, prepared or not, is then told to abort).
            Decide(tx, now, outbox);
        }

        participant.RecordVote(vote, reason, now);
        switch (tx.State)
        {
            case TransactionState.Preparing:
                Decide(tx, now, outbox);
                break;
            case TransactionState.Aborting or TransactionState.Aborted when vote == Vote.Yes:
                // A Yes that arrives after the timeout abort: this participant is prepared and must be told. Once the
                // transaction is Aborted nothing resends; the participant's own recovery asks again if this is lost.
                if (!outbox.Any(m => m.ParticipantId == participant.ParticipantId))
                {
                    participant.ResetDelivery();
                    Send(tx, participant, new AbortTransaction(tx.Id, participant.ParticipantId, tx.AbortReason ?? "aborted"), now, outbox);
                }

                break;
        }

        TryComplete(tx, now);
        return VoteResult.Recorded;
    }

    /// <summary>Decides a Preparing transaction if its votes (or its deadline) allow.</summary>
    public static Decision Decide(TransactionRecord tx, DateTimeOffset now, ICollection<OutboundMessage> outbox)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (tx.State != TransactionState.Preparing)
        {
            return Decision.Pending;
        }

        var decision = VoteAggregator.Decide(
            tx.Participants.Select(p => new VoteAggregator.Ballot(p.ParticipantId, p.Vote, p.VoteReason)).ToList(), tx.Deadline, now);
        switch (decision.Kind)
        {
            case DecisionKind.Commit when tx.Participants.TrueForAll(p => p.IsDone):
                tx.TransitionTo(TransactionState.Committed, now); // every vote read-only: nothing to finish
                break;
            case DecisionKind.Commit:
                tx.TransitionTo(TransactionState.Committing, now);
                SendPhaseTwo(tx, now, outbox);
                break;
            case DecisionKind.Abort:
                tx.TransitionTo(TransactionState.Aborting, now, decision.Reason);
                SendPhaseTwo(tx, now, outbox);
                TryComplete(tx, now);
                break;
        }

        return decision;
    }

    public enum AckResult { Recorded, Duplicate, UnknownParticipant, HeuristicMismatch }

    public static AckResult ApplyAcknowledgement(TransactionRecord tx, string participantId, ParticipantOutcome outcome, string? reason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var participant = tx.FindParticipant(participantId);
        if (participant is null)
        {
            return AckResult.UnknownParticipant;
        }

        if (participant.IsDone)
        {
            return AckResult.Duplicate;
        }

        participant.AcknowledgedAt = now;
        participant.AcknowledgedOutcome = outcome;
        var result = AckResult.Recorded;
        if (tx is { State: TransactionState.Committing, OnePhase: true } && outcome == ParticipantOutcome.Aborted)
        {
            tx.TransitionTo(TransactionState.Aborted, now, $"participant '{participantId}' could not commit: {reason ?? "no reason given"}");
            return result;
        }

        var expected = tx.State == TransactionState.Committing ? ParticipantOutcome.Committed : ParticipantOutcome.Aborted;
        if (tx.State is TransactionState.Committing or TransactionState.Aborting && outcome != expected)
        {
            result = AckResult.HeuristicMismatch;
        }

        TryComplete(tx, now);
        return result;
    }

    /// <summary>
    /// Whether the transaction cannot complete before this participant acknowledges. Presumed abort: an aborting
    /// transaction waits only for participants that voted Yes, because one that never voted has nothing durable to
    /// undo, and should it prepare late, its Yes (or its own recovery) is answered with Abort.
    /// </summary>
    public static bool AwaitsAcknowledgement(TransactionRecord tx, ParticipantRecord participant)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(participant);
        return !participant.IsDone && (tx.State != TransactionState.Aborting || participant.Vote == Vote.Yes);
    }

    /// <summary>Finishes a decided transaction once every participant that takes part in phase two has acknowledged.</summary>
    public static bool TryComplete(TransactionRecord tx, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (tx.Participants.Exists(p => AwaitsAcknowledgement(tx, p)))
        {
            return false;
        }

        switch (tx.State)
        {
            case TransactionState.Committing:
                tx.TransitionTo(TransactionState.Committed, now);
                return true;
            case TransactionState.Aborting:
                tx.TransitionTo(TransactionState.Aborted, now);
                return true;
            default:
                return false;
        }
    }

    /// <summary>What one look by the supervisor did to a transaction.</summary>
    public readonly record struct Supervision(bool Expired, int Resent, IReadOnlyList<ParticipantRecord> Stuck);

    /// <summary>
    /// Aborts what outlived its deadline and resends what went unanswered, with exponential backoff. This is also
    /// how a restarted coordinator resumes: it needs nothing but the stored record.
    /// </summary>
    public static Supervision Supervise(TransactionRecord tx, DateTimeOffset now, ResendPolicy policy, ICollection<OutboundMessage> outbox)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(policy);
        if (tx.State == TransactionState.Active && now >= tx.Deadline)
        {
            Abort(tx, "timed out before commit", now, outbox);
            return new Supervision(true, outbox.Count, []);
        }

        if (tx.State == TransactionState.Preparing && Decide(tx, now, outbox).Kind != DecisionKind.Pending)
        {
            return new Supervision(now >= tx.Deadline, outbox.Count, []);
        }

        var stuck = new List<ParticipantRecord>();
        var resent = 0;
        foreach (var participant in tx.Participants)
        {
            if (!NeedsMessage(tx, participant))
            {
                continue;
            }

            var due = participant.LastSentAt is null
                || now >= participant.LastSentAt.Value + Backoff.Delay(participant.DeliveryAttempts, policy.InitialDelay, policy.MaxDelay);
            if (!due)
            {
                continue;
            }

            if (participant.DeliveryAttempts >= policy.StuckAfterAttempts)
            {
                stuck.Add(participant);
            }

            Send(tx, participant, MessageFor(tx, participant), now, outbox);
            resent++;
        }

        return new Supervision(false, resent, stuck);
    }

    /// <summary>
    /// Picks a transaction up after a restart or a change of leader: whatever is owed to a participant is sent now,
    /// with its backoff started afresh, since messages of the previous run may never have left. Returns messages sent.
    /// </summary>
    public static int Resume(TransactionRecord tx, DateTimeOffset now, ICollection<OutboundMessage> outbox)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (tx.State == TransactionState.Active)
        {
            if (now >= tx.Deadline)
            {
                Abort(tx, "timed out before commit", now, outbox);
            }

            return outbox.Count;
        }

        if (tx.State == TransactionState.Preparing && Decide(tx, now, outbox).Kind != DecisionKind.Pending)
        {
            return outbox.Count;
        }

        foreach (var participant in tx.Participants.Where(p => NeedsMessage(tx, p)))
        {
            participant.ResetDelivery();
            Send(tx, participant, MessageFor(tx, participant), now, outbox);
        }

        return outbox.Count;
    }

    private static bool NeedsMessage(TransactionRecord tx, ParticipantRecord participant) => tx.State switch
    {
        TransactionState.Preparing => participant.Vote is null,
        TransactionState.Committing or TransactionState.Aborting => AwaitsAcknowledgement(tx, participant),
        _ => false,
    };

    private static object MessageFor(TransactionRecord tx, ParticipantRecord participant) => tx.State switch
    {
        TransactionState.Preparing => new PrepareTransaction(tx.Id, participant.ParticipantId, tx.Deadline),
        TransactionState.Committing => new CommitTransaction(tx.Id, participant.ParticipantId, tx.OnePhase),
        _ => new AbortTransaction(tx.Id, participant.ParticipantId, tx.AbortReason ?? "aborted"),
    };

    private static void SendPhaseTwo(TransactionRecord tx, DateTimeOffset now, ICollection<OutboundMessage> outbox)
    {
        foreach (var participant in tx.Participants.Where(p => !p.IsDone))
        {
            participant.ResetDelivery();
            Send(tx, participant, MessageFor(tx, participant), now, outbox);
        }
    }

    private static void Send(TransactionRecord tx, ParticipantRecord participant, object message, DateTimeOffset now, ICollection<OutboundMessage> outbox)
    {
        participant.RecordSent(now);
        outbox.Add(new OutboundMessage(tx.Id, participant.ParticipantId, participant.Endpoint, message));
    }
}
