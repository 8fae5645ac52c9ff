using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Branches;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Diagnostics;
using TxCoordinator.Participants.Messaging;
using TxCoordinator.Participants.Storage;

namespace TxCoordinator.Participants.Participation;

/// <summary>
/// Enlists with the coordinator and keeps each transaction's local PostgreSQL transaction open until Prepare; with
/// <see cref="ParticipantOptions.VoteOnComplete"/>, prepares the work as it completes and enlists with the vote.
/// </summary>
internal sealed class TransactionParticipant(
    BranchRegistry registry,
    ParticipantDataSource dataSource,
    BranchTerminator terminator,
    ParticipantProtocol protocol,
    [FromKeyedServices(ParticipantServiceKeys.CoordinatorClient)] ITransactionCoordinatorClient coordinator,
    TimeProvider timeProvider,
    IOptions<ParticipantOptions> options,
    ILogger<TransactionParticipant> logger) : ITransactionParticipant
{
    private readonly ParticipantOptions _options = options.Value;

    public async Task<ParticipantWork> EnlistAsync(Guid transactionId, CancellationToken cancellationToken = default)
    {
        var gid = GlobalTransactionId.Create(_options.ParticipantId, transactionId);
        using var scope = LogMessages.TransactionScope(logger, transactionId);
        using var activity = ParticipantsDiagnostics.StartActivity(ParticipantsDiagnostics.Spans.Enlist, transactionId, _options.ParticipantId);
        BranchLease? lease = null;
        try
        {
            lease = await registry.AcquireAsync(transactionId, gid, _options.LockTimeout, cancellationToken);
            // Work enlisted again in the same transaction reuses the open local transaction: no call to the coordinator.
            activity?.SetTag("txc.participant.reused", lease.Branch.Local is not null);
            var local = lease.Branch.Local ?? (_options.VoteOnComplete
                ? await BeginLocalAsync(transactionId, gid, WorkDeadline(), cancellationToken)
                : await EnlistAndBeginAsync(transactionId, gid, cancellationToken));
            lease.Branch.Local = local;
            return new ParticipantWork(this, lease, local);
        }
        catch (Exception ex)
        {
            lease?.Dispose();
            ParticipantsDiagnostics.RecordException(activity, ex);
            throw;
        }
    }

    /// <summary>
    /// The branch's work is done: with <see cref="ParticipantOptions.VoteOnComplete"/>, prepares it and enlists with
    /// the vote; otherwise the local transaction stays open for Prepare. The caller holds the branch's lock.
    /// </summary>
    /// <exception cref="WorkNotPreparedException">The work could not be prepared; it was rolled back.</exception>
    /// <exception cref="TransactionNotActiveException">The coordinator refused the enlistment; the work was rolled back.</exception>
    /// <exception cref="CoordinatorUnavailableException">No coordinator answered: the prepared work stays, and recovery
    /// resolves it once the coordinator says what became of the transaction.</exception>
    internal async Task CompleteAsync(Branch branch, CancellationToken cancellationToken = default)
    {
        if (!_options.VoteOnComplete)
        {
            return;
        }

        var transactionId = branch.TransactionId;
        using var scope = LogMessages.TransactionScope(logger, transactionId);
        var local = branch.Detach() ?? throw new InvalidOperationException($"Transaction {transactionId} has no open work to complete.");
        var result = await protocol.PrepareCompletedWorkAsync(local, cancellationToken);
        if (result.Vote == Vote.No)
        {
            throw new WorkNotPreparedException(transactionId, result.Reason ?? "no reason given");
        }

        try
        {
            var view = await coordinator.EnlistAsync(
                transactionId, new EnlistRequest(_options.ParticipantId, _options.ResolvedEndpointName, result.Vote), cancellationToken);
            LogMessages.Enlisted(logger, transactionId, _options.ParticipantId, view.Deadline);
        }
        catch (TransactionCoordinatorException ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            // Not part of the transaction: what was prepared for it must not wait for recovery to be rolled back.
            LogMessages.EnlistRefused(logger, transactionId, (int)ex.StatusCode, ex.Detail);
            await terminator.AbortRecordedAsync(branch.Gid, cancellationToken);
            throw new TransactionNotActiveException(transactionId, ex.StatusCode, ex.Detail ?? ex.Title, ex);
        }
    }

    /// <summary>Rolls back the branch's open work and records the barrier; the caller holds the branch's lock.</summary>
    internal async Task FailAsync(Branch branch, string reason, CancellationToken cancellationToken = default)
    {
        LogMessages.WorkFailed(logger, branch.TransactionId, reason);
        if (branch.Detach() is { } local)
        {
            await terminator.AbortLocalAsync(local, cancellationToken);
        }
    }

    // Not enlisted yet, the work does not know the coordinator's deadline; it is prepared as it completes, within the
    // request that does it, so its own bound is the longest anything else on the branch would wait for it.
    private DateTimeOffset WorkDeadline() => timeProvider.GetUtcNow() + _options.LockTimeout;

    private async Task<LocalTransaction> EnlistAndBeginAsync(Guid transactionId, string gid, CancellationToken cancellationToken)
    {
        TransactionView view;
        try
        {
            view = await coordinator.EnlistAsync(
                transactionId, new EnlistRequest(_options.ParticipantId, _options.ResolvedEndpointName), cancellationToken);
        }
        catch (TransactionCoordinatorException ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            LogMessages.EnlistRefused(logger, transactionId, (int)ex.StatusCode, ex.Detail);
            throw new TransactionNotActiveException(transactionId, ex.StatusCode, ex.Detail ?? ex.Title, ex);
        }

        LogMessages.Enlisted(logger, transactionId, _options.ParticipantId, view.Deadline);
        return await BeginLocalAsync(transactionId, gid, view.Deadline, cancellationToken);
    }

    private async Task<LocalTransaction> BeginLocalAsync(Guid transactionId, string gid, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            return new LocalTransaction(transactionId, gid, connection, transaction, deadline);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
