using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Branches;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Diagnostics;
using TxCoordinator.Participants.Storage;

namespace TxCoordinator.Participants.Participation;

/// <summary>Enlists with the coordinator and keeps each transaction's local PostgreSQL transaction open until Prepare.</summary>
internal sealed class TransactionParticipant(
    BranchRegistry registry,
    ParticipantDataSource dataSource,
    BranchTerminator terminator,
    [FromKeyedServices(ParticipantServiceKeys.CoordinatorClient)] ITransactionCoordinatorClient coordinator,
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
            var local = lease.Branch.Local ?? await BeginAsync(transactionId, gid, cancellationToken);
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

    /// <summary>Rolls back the branch's open work and records the barrier; the caller holds the branch's lock.</summary>
    internal async Task FailAsync(Branch branch, string reason, CancellationToken cancellationToken = default)
    {
        LogMessages.WorkFailed(logger, branch.TransactionId, reason);
        if (branch.Detach() is { } local)
        {
            await terminator.AbortLocalAsync(local, cancellationToken);
        }
    }

    private async Task<LocalTransaction> BeginAsync(Guid transactionId, string gid, CancellationToken cancellationToken)
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

        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            LogMessages.Enlisted(logger, transactionId, _options.ParticipantId, view.Deadline);
            return new LocalTransaction(transactionId, gid, connection, transaction, view.Deadline);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
