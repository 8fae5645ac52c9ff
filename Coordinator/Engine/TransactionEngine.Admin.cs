using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Diagnostics;
using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Engine;

internal sealed partial class TransactionEngine
{
    private const int MaxOperatorLength = 64;
    private const int MaxReasonLength = 1024;

    /// <summary>
    /// An operator's abort: the same abort as <see cref="AbortAsync"/>, allowed only while the transaction is
    /// undecided (Active or Preparing), and recorded in the transaction's audit in the same change, so the abort and
    /// its record are durable (and replicated) together. A refused request is recorded too.
    /// </summary>
    /// <exception cref="InvalidTransactionRequestException">Reason or operator missing or too long.</exception>
    /// <exception cref="TransactionConflictException">The transaction is decided or finished; nothing but the audit changed.</exception>
    public async Task<AuditEntry> HeuristicAbortAsync(
        Guid transactionId, string? reason, string? @operator, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > MaxReasonLength)
        {
            throw new InvalidTransactionRequestException("reason", $"A reason of 1-{MaxReasonLength} characters is required.");
        }

        if (string.IsNullOrWhiteSpace(@operator) || @operator.Length > MaxOperatorLength)
        {
            throw new InvalidTransactionRequestException("operator", $"The operator's name (1-{MaxOperatorLength} characters) is required.");
        }

        var (entry, abortReason) = await MutateAsync(transactionId, (tx, now, outbox) =>
        {
            var before = tx.State;
            var refusal = HeuristicAbortRefusal(tx);
            if (refusal is null && !TransactionSteps.Abort(tx, $"heuristic abort by {@operator}: {reason}", now, outbox))
            {
                refusal = $"Transaction {tx.Id} is {tx.State} and can no longer be aborted.";
            }

            var entry = new AuditEntry(
                now, AuditEntry.HeuristicAbort, @operator, reason, before, Applied: refusal is null,
                refusal ?? $"aborted: {tx.State}");
            tx.Audit.Add(entry);
            return (entry, tx.AbortReason);
        }, cancellationToken);

        if (!entry.Applied)
        {
            LogMessages.HeuristicAbortRefused(_logger, @operator, transactionId, entry.StateBefore, entry.Result);
            throw new TransactionConflictException(transactionId, entry.StateBefore, entry.Result, abortReason);
        }

        LogMessages.HeuristicAbortApplied(_logger, @operator, transactionId, entry.StateBefore, reason);
        return entry;
    }

    /// <summary>Why an operator may not abort <paramref name="tx"/> now, or null when it may.</summary>
    internal static string? HeuristicAbortRefusal(TransactionRecord tx) => tx.State switch
    {
        TransactionState.Active or TransactionState.Preparing => null,
        TransactionState.Committing when tx.OnePhase =>
            $"Transaction {tx.Id} is Committing in one phase: its only participant has been told to commit and its local " +
            "commit decides the outcome; an abort now could contradict it.",
        TransactionState.Committing or TransactionState.Committed =>
            $"Transaction {tx.Id} is {tx.State}: the commit decision is durable and participants may already have " +
            "committed; aborting now would break atomicity. Resolve a stuck participant instead of the transaction.",
        TransactionState.Aborting =>
            $"Transaction {tx.Id} is already Aborting: the abort decision is durable and is being delivered.",
        _ => $"Transaction {tx.Id} is already {tx.State}.",
    };
}
