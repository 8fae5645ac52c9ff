using Npgsql;
using TxCoordinator.Participants.Branches;

namespace TxCoordinator.Participants.Participation;

/// <summary>
/// One piece of work in a distributed transaction, on the participant's open local PostgreSQL transaction.
/// Call <see cref="CompleteAsync"/> when it succeeded (the local transaction stays open for Prepare, or with
/// <see cref="ParticipantOptions.VoteOnComplete"/> is prepared at once) or <see cref="FailAsync"/> when it did not;
/// disposing without either counts as a failure.
/// </summary>
/// <remarks>Holds the transaction's lock until completed, failed or disposed: keep it short.</remarks>
public sealed class ParticipantWork : IAsyncDisposable
{
    private readonly TransactionParticipant _participant;
    private readonly BranchLease _lease;
    private readonly LocalTransaction _local;
    private bool _finished;

    internal ParticipantWork(TransactionParticipant participant, BranchLease lease, LocalTransaction local)
    {
        _participant = participant;
        _lease = lease;
        _local = local;
    }

    public Guid TransactionId => _local.TransactionId;

    /// <summary>
    /// The coordinator's deadline: work not prepared by then (plus a grace) is rolled back. With
    /// <see cref="ParticipantOptions.VoteOnComplete"/> the participant enlists only after the work, so this is the
    /// work's own bound instead: <see cref="ParticipantOptions.LockTimeout"/> after it began.
    /// </summary>
    public DateTimeOffset Deadline => _local.Deadline;

    public NpgsqlConnection Connection => NotFinished()._local.Connection;

    public NpgsqlTransaction Transaction => NotFinished()._local.Transaction;

    /// <summary>A command on <see cref="Connection"/> inside <see cref="Transaction"/>.</summary>
    public NpgsqlCommand CreateCommand(string sql)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        return NotFinished()._local.CreateCommand(sql);
    }

    /// <summary>
    /// The work is done: the local transaction stays open until the coordinator's Prepare; with
    /// <see cref="ParticipantOptions.VoteOnComplete"/>, it is prepared now and the participant enlists with its vote.
    /// </summary>
    /// <exception cref="WorkNotPreparedException">With VoteOnComplete: the work could not be prepared and was rolled back.</exception>
    /// <exception cref="TransactionNotActiveException">With VoteOnComplete: the coordinator refused the enlistment
    /// (the transaction is unknown or no longer active); the work was rolled back.</exception>
    /// <exception cref="Client.CoordinatorUnavailableException">With VoteOnComplete: no coordinator answered; the
    /// prepared work is resolved by recovery once one does.</exception>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        NotFinished()._finished = true;
        try
        {
            await _participant.CompleteAsync(_lease.Branch, cancellationToken);
        }
        finally
        {
            _lease.Dispose();
        }
    }

    /// <summary>The work failed: the local transaction is rolled back now and a later Prepare votes No.</summary>
    public async ValueTask FailAsync(string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        NotFinished()._finished = true;
        try
        {
            await _participant.FailAsync(_lease.Branch, reason, cancellationToken);
        }
        finally
        {
            _lease.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_finished)
        {
            await FailAsync("the work was disposed without CompleteAsync");
        }
    }

    private ParticipantWork NotFinished() => _finished
        ? throw new InvalidOperationException("This work has already been completed or failed; enlist again to do more.")
        : this;
}
