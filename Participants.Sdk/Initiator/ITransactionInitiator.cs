namespace TxCoordinator.Participants.Initiator;

/// <summary>
/// Runs an initiator's work in one distributed transaction: begin, the work, then commit, or abort when the work asks
/// for it or throws. What a service would otherwise write around <see cref="Client.ITransactionCoordinatorClient"/>
/// by hand, with every answer the coordinator can give handled.
/// </summary>
public interface ITransactionInitiator
{
    /// <summary>
    /// Begins a transaction and runs <paramref name="work"/> with it ambient (<see cref="Propagation.DistributedTransactionContext"/>:
    /// HttpClients with <c>AddTransactionPropagation()</c> and the bus with <c>UseTransactionPropagation()</c> carry it
    /// to the participants), then commits, unless the work called <see cref="InitiatedTransaction.Abort"/>.
    /// </summary>
    /// <returns>The decision: Committed, or Aborted with its reason (the work's, a participant's No, the timeout).</returns>
    /// <exception cref="Client.CoordinatorUnavailableException">No coordinator answered the begin: nothing was started.</exception>
    /// <exception cref="Client.TransactionCoordinatorException">The coordinator refused the begin (a bad timeout or
    /// metadata, 400).</exception>
    /// <exception cref="TransactionOutcomeUnknownException">The commit was asked for, and no coordinator could say
    /// what was decided, or <paramref name="cancellationToken"/> was cancelled before one did: ask again later with its
    /// <c>TransactionId</c>.</exception>
    /// <remarks>An exception thrown by <paramref name="work"/> aborts the transaction and is rethrown.</remarks>
    Task<TransactionResult> RunAsync(
        Func<InitiatedTransaction, CancellationToken, Task> work,
        TransactionRunOptions? options = null,
        CancellationToken cancellationToken = default);
}
