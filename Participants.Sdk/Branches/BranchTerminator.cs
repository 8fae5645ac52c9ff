using Microsoft.Extensions.Logging;
using TxCoordinator.Participants.Diagnostics;
using TxCoordinator.Participants.Storage;

namespace TxCoordinator.Participants.Branches;

/// <summary>Rolls a branch back wherever it is (open, prepared or gone) and leaves the 'aborted' barrier.</summary>
internal sealed class BranchTerminator(OutcomeStore store, ILogger<BranchTerminator> logger)
{
    /// <summary>Rolls back open work, then records the abort; returns the outcome recorded for the gid.</summary>
    public async Task<string> AbortLocalAsync(LocalTransaction local, CancellationToken cancellationToken = default)
    {
        await using (local)
        {
            if (await local.TryRollbackAsync(cancellationToken) is { } error)
            {
                LogMessages.RollbackFailed(logger, local.TransactionId, error);
            }
        }

        return await AbortRecordedAsync(local.Gid, cancellationToken);
    }

    /// <summary>Rolls back the prepared transaction of <paramref name="gid"/> if there is one and writes the barrier.</summary>
    /// <returns>The outcome now recorded: 'aborted', or 'committed' if the branch had already committed.</returns>
    public async Task<string> AbortRecordedAsync(string gid, CancellationToken cancellationToken = default)
    {
        var status = await store.GetStatusAsync(gid, cancellationToken);
        if (status.Prepared)
        {
            // The barrier insert would wait on the prepared row of the same gid: roll back first.
            await store.RollbackPreparedAsync(gid, cancellationToken);
        }
        else if (status.Outcome is { } recorded)
        {
            return recorded;
        }

        return await store.WriteBarrierAsync(gid, cancellationToken);
    }
}
