using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.StateMachine;

namespace TxCoordinator.Coordinator.Persistence;

/// <summary>A distributed transaction as stored by the coordinator. State changes go through <see cref="TransitionTo"/>.</summary>
public sealed class TransactionRecord
{
    public Guid Id { get; init; }

    public TransactionState State { get; private set; } = TransactionState.Active;

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset Deadline { get; init; }

    /// <summary>When Commit or Abort was decided (for a one-phase commit: when it was delegated to the participant).</summary>
    public DateTimeOffset? DecidedAt { get; private set; }

    /// <summary>When phase one started: Prepare was first sent to every participant.</summary>
    public DateTimeOffset? PrepareStartedAt { get; private set; }

    public DateTimeOffset? CompletedAt { get; private set; }

    public string? AbortReason { get; private set; }

    /// <summary>Set when the single participant was asked to commit directly, skipping Prepare.</summary>
    public bool OnePhase { get; private set; }

    /// <summary>
    /// Whether each enlistment was made durable before it was acknowledged (<see cref="CoordinatorOptions.DurableEnlistments"/>
    /// of the coordinator that began it): a coordinator that takes the transaction over then knows every participant.
    /// </summary>
    public bool DurableEnlistments { get; init; }

    public Dictionary<string, string> Metadata { get; init; } = [];

    /// <summary>
    /// What operators did to this transaction, oldest first. Kept on the record, not in a table of its own, so that
    /// it travels with the record's image through the replicated decision log.
    /// </summary>
    public List<AuditEntry> Audit { get; init; } = [];

    /// <summary>
    /// Number of changes made to this transaction so far. With replication, each change travels as a new image of
    /// the record and a replica keeps only the highest revision, so replaying the log changes nothing.
    /// </summary>
    public long Revision { get; private set; }

    /// <summary>Optimistic concurrency token (PostgreSQL xmin): a concurrent writer fails instead of overwriting.</summary>
    public uint Version { get; private set; }

    public List<ParticipantRecord> Participants { get; init; } = [];

    public bool IsFinal => TransactionStateMachine.IsFinal(State);

    public TransactionOutcome? Outcome => State switch
    {
        TransactionState.Committed => TransactionOutcome.Committed,
        // A one-phase commit is decided by its participant's local commit: until it answers, the outcome is open.
        TransactionState.Committing when !OnePhase => TransactionOutcome.Committed,
        TransactionState.Aborted or TransactionState.Aborting => TransactionOutcome.Aborted,
        _ => null,
    };

    public void TransitionTo(TransactionState next, DateTimeOffset now, string? abortReason = null)
    {
        TransactionStateMachine.EnsureCanTransition(Id, State, next, OnePhase);
        if (next is TransactionState.Committing or TransactionState.Aborting
            || (next is TransactionState.Committed or TransactionState.Aborted && DecidedAt is null))
        {
            DecidedAt ??= now;
        }

        if (next is TransactionState.Preparing)
        {
            PrepareStartedAt ??= now;
        }

        if (next is TransactionState.Aborting or TransactionState.Aborted)
        {
            AbortReason ??= abortReason ?? "aborted";
        }

        if (TransactionStateMachine.IsFinal(next))
        {
            CompletedAt = now;
        }

        State = next;
    }

    /// <summary>Hands the decision to the only participant: it commits locally and reports the outcome.</summary>
    public void BeginOnePhaseCommit(DateTimeOffset now)
    {
        // Checked before OnePhase is set, so that a refused call leaves the record as it was.
        TransactionStateMachine.EnsureCanTransition(Id, State, TransactionState.Committing, onePhase: true);
        OnePhase = true;
        TransitionTo(TransactionState.Committing, now);
    }

    /// <summary>
    /// The record as it was last made durable, rebuilt from its values (a replica's in-memory copy of an unfinished
    /// transaction) rather than read from the database. <see cref="Version"/> stays 0: only a replicated coordinator
    /// does this, and it never saves through EF Core.
    /// </summary>
    internal static TransactionRecord Restore(
        Guid id, TransactionState state, DateTimeOffset createdAt, DateTimeOffset deadline, DateTimeOffset? decidedAt,
        DateTimeOffset? prepareStartedAt, DateTimeOffset? completedAt, string? abortReason, bool onePhase,
        bool durableEnlistments, Dictionary<string, string> metadata, List<AuditEntry> audit, long revision, List<ParticipantRecord> participants) => new()
    {
        Id = id,
        State = state,
        CreatedAt = createdAt,
        Deadline = deadline,
        DecidedAt = decidedAt,
        PrepareStartedAt = prepareStartedAt,
        CompletedAt = completedAt,
        AbortReason = abortReason,
        OnePhase = onePhase,
        DurableEnlistments = durableEnlistments,
        Metadata = metadata,
        Audit = audit,
        Revision = revision,
        Participants = participants,
    };

    /// <summary>Counts one more change; called once per saved change.</summary>
    public void NextRevision() => Revision++;

    public ParticipantRecord? FindParticipant(string participantId) =>
        Participants.Find(p => string.Equals(p.ParticipantId, participantId, StringComparison.Ordinal));
}
