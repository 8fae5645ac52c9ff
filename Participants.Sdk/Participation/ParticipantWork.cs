using Npgsql;
using TxCoordinator.Participants.Branches;

namespace TxCoordinator.Participants.Participation;

/// <summary>
/// One piece of work in a distributed transaction, on the participant's open local PostgreSQL transaction.
/// Call <see cref="CompleteAsync"/> when it succeeded (the local transaction stays open for Prepare) or
/// <see cref="FailAsync"/> when it did not; disposing without either counts as a failure.
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

    /// <summary>The coordinator's deadline: work not prepared by then (plus a grace) is rolled back.</summary>
    public DateTimeOffset Deadline => _local.Deadline;

    public NpgsqlConnection Connection => NotFinished()._local.Connection;

    public NpgsqlTransaction Transaction => NotFinished()._local.Transaction;

    /// <summary>A command on <see cref="Connection"/> inside <see cref="Transaction"/>.</summary>
    public NpgsqlCommand CreateCommand(string sql)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        return NotFinished()._local.CreateCommand(sql);
    }

    /// <summary>The work is done: the local transaction stays open until the coordinator's Prepare.</summary>
    public ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        NotFinished()._finished = true;
        _lease.Dispose();
        return ValueTask.CompletedTask;
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
