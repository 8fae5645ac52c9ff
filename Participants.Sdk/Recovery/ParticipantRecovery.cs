using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Branches;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Diagnostics;
using TxCoordinator.Participants.Participation;
using TxCoordinator.Participants.Storage;

namespace TxCoordinator.Participants.Recovery;

/// <summary>
/// Resolves prepared transactions left behind by a crash or by lost messages: each of this participant's gids in
/// pg_prepared_xacts older than <see cref="ParticipantOptions.RecoveryGracePeriod"/> is committed or rolled back as
/// the coordinator decided. Unknown to the coordinator means aborted (presumed abort).
/// </summary>
public sealed class ParticipantRecovery
{
    private readonly OutcomeStore _store;
    private readonly BranchRegistry _registry;
    private readonly BranchTerminator _terminator;
    private readonly ITransactionCoordinatorClient _coordinator;
    private readonly TimeProvider _timeProvider;
    private readonly ParticipantOptions _options;
    private readonly ILogger<ParticipantRecovery> _logger;

    internal ParticipantRecovery(
        OutcomeStore store,
        BranchRegistry registry,
        BranchTerminator terminator,
        [FromKeyedServices(ParticipantServiceKeys.CoordinatorClient)] ITransactionCoordinatorClient coordinator,
        TimeProvider timeProvider,
        IOptions<ParticipantOptions> options,
        ILogger<ParticipantRecovery> logger)
    {
        _store = store;
        _registry = registry;
        _terminator = terminator;
        _coordinator = coordinator;
        _timeProvider = timeProvider;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>One pass over the prepared transactions. Failures about one transaction are logged and leave it for the next pass.</summary>
    public async Task<RecoveryReport> RecoverAsync(CancellationToken cancellationToken = default)
    {
        var prepared = await _store.ListPreparedAsync(cancellationToken);
        var cutoff = _timeProvider.GetUtcNow() - _options.RecoveryGracePeriod;
        var remaining = new List<PreparedBranch>(prepared.Count);
        int examined = 0, committed = 0, rolledBack = 0;
        foreach (var branch in prepared)
        {
            // Young ones are normally waiting for a phase-two message already on its way.
            if (branch.PreparedAt > cutoff)
            {
                remaining.Add(branch);
                continue;
            }

            examined++;
            switch (await ResolveAsync(branch, cancellationToken))
            {
                case ParticipantOutcome.Committed:
                    committed++;
                    break;
                case ParticipantOutcome.Aborted:
                    rolledBack++;
                    break;
                default:
                    remaining.Add(branch);
                    break;
            }
        }

        DateTimeOffset? oldest = remaining.Count == 0 ? null : remaining.Min(branch => branch.PreparedAt);
        PreparedBranchesObserved.Record(_options.ParticipantId, remaining.Count, oldest, _timeProvider);
        var report = new RecoveryReport(prepared.Count, examined, committed, rolledBack, examined - committed - rolledBack, oldest);
        // Branches in flight are found on every pass under load: only those past the grace period are news.
        if (report.Examined > 0)
        {
            LogMessages.RecoveryPass(_logger, report.Examined, _options.RecoveryGracePeriod, report.Found, report.Committed, report.RolledBack, report.Left);
        }

        return report;
    }

    /// <summary>
    /// Resolves this participant's branch of one transaction now, on <see cref="TransactionAbortAnnounced"/>: a
    /// prepared one whatever its age, as a pass would; open work, which waits for a Prepare that an aborted
    /// transaction never sends, rolled back if the coordinator says aborted, instead of after its deadline. The
    /// coordinator is asked, not the announcement believed. Null when there is nothing here or it is left (coordinator
    /// unreachable, transaction not aborted, branch busy).
    /// </summary>
    internal async Task<ParticipantOutcome?> ResolveNowAsync(Guid transactionId, CancellationToken cancellationToken = default)
    {
        var gid = GlobalTransactionId.Create(_options.ParticipantId, transactionId);
        if (_registry.IsOpen(transactionId))
        {
            return await RollBackOpenWorkIfAbortedAsync(transactionId, gid, cancellationToken);
        }

        var status = await _store.GetStatusAsync(gid, cancellationToken);
        return status.Prepared
            ? await ResolveAsync(new PreparedBranch(gid, transactionId, _timeProvider.GetUtcNow()), cancellationToken)
            : null;
    }

    private async Task<ParticipantOutcome?> RollBackOpenWorkIfAbortedAsync(Guid transactionId, string gid, CancellationToken cancellationToken)
    {
        var (answered, view) = await LookUpAsync(transactionId, cancellationToken);
        if (!answered || view?.State is not (null or TransactionState.Aborting or TransactionState.Aborted))
        {
            return null;
        }

        using var lease = _registry.TryAcquire(transactionId, gid);
        if (lease?.Branch.Detach() is not { } local)
        {
            return null;
        }

        await _terminator.AbortLocalAsync(local, cancellationToken);
        ParticipantsDiagnostics.Recovered.Add(1, new KeyValuePair<string, object?>(ParticipantsDiagnostics.Tags.Outcome, nameof(ParticipantOutcome.Aborted)));
        LogMessages.OpenWorkAborted(_logger, transactionId, view?.State.ToString() ?? "unknown");
        return ParticipantOutcome.Aborted;
    }

    private async Task<(bool Answered, TransactionView? View)> LookUpAsync(Guid transactionId, CancellationToken cancellationToken)
    {
        try
        {
            return (true, await _coordinator.GetAsync(transactionId, cancellationToken));
        }
        catch (Exception ex) when (ex is CoordinatorUnavailableException or TransactionCoordinatorException)
        {
            LogMessages.RecoveryLookupFailed(_logger, transactionId, ex);
            return (false, null);
        }
    }

    private async Task<ParticipantOutcome?> ResolveAsync(PreparedBranch branch, CancellationToken cancellationToken)
    {
        var (answered, view) = await LookUpAsync(branch.TransactionId, cancellationToken);
        if (!answered)
        {
            return null;
        }

        var state = view?.State;
        if (state is TransactionState.Active or TransactionState.Preparing)
        {
            LogMessages.RecoveryLeft(_logger, branch.TransactionId, state.Value);
            return null;
        }

        // A Commit or Abort handler busy with it right now will finish it.
        using var lease = _registry.TryAcquire(branch.TransactionId, branch.Gid);
        if (lease is null)
        {
            return null;
        }

        var status = await _store.GetStatusAsync(branch.Gid, cancellationToken);
        if (!status.Prepared)
        {
            return null;
        }

        ParticipantOutcome outcome;
        if (state is TransactionState.Committing or TransactionState.Committed && Enlisted(view!))
        {
            await _store.CommitPreparedAsync(branch.Gid, cancellationToken);
            outcome = ParticipantOutcome.Committed;
        }
        else
        {
            await _store.RollbackPreparedAsync(branch.Gid, cancellationToken);
            await _store.WriteBarrierAsync(branch.Gid, cancellationToken);
            outcome = ParticipantOutcome.Aborted;
        }

        ParticipantsDiagnostics.Recovered.Add(1, new KeyValuePair<string, object?>(ParticipantsDiagnostics.Tags.Outcome, outcome.ToString()));
        LogMessages.RecoveryResolved(_logger, branch.TransactionId, state?.ToString() ?? "unknown",
            outcome == ParticipantOutcome.Committed ? "committed" : "rolled back");
        return outcome;
    }

    // A commit covers only the participants the coordinator knew when it decided. A branch prepared as its work
    // completed (VoteOnComplete) whose enlistment never reached the coordinator is not among them: the transaction
    // committed without it, and it is rolled back.
    private bool Enlisted(TransactionView view) =>
        view.Participants.Any(p => p.ParticipantId == _options.ParticipantId);
}
