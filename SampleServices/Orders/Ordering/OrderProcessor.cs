using TxCoordinator.Contracts;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Propagation;
using TxCoordinator.Samples.Orders.Diagnostics;
using TxCoordinator.Samples.Orders.Downstream;

namespace TxCoordinator.Samples.Orders.Ordering;

/// <summary>Places an order in one distributed transaction: reserve stock, charge the customer, then commit or abort.</summary>
public sealed class OrderProcessor(
    ITransactionCoordinatorClient coordinator,
    InventoryClient inventory,
    PaymentsClient payments,
    TimeProvider timeProvider,
    ILogger<OrderProcessor> logger)
{
    public static readonly TimeSpan TransactionTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan OutcomePollInterval = TimeSpan.FromMilliseconds(200);

    /// <exception cref="OrderUnavailableException">The coordinator or a service failed; the transaction was aborted if possible.</exception>
    public async Task<OrderResult> PlaceAsync(OrderRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var orderId = request.OrderId ?? Guid.NewGuid();
        TransactionView transaction;
        try
        {
            transaction = await coordinator.BeginAsync(
                TransactionTimeout, new Dictionary<string, string> { ["orderId"] = orderId.ToString() }, cancellationToken);
        }
        catch (Exception ex) when (ex is CoordinatorUnavailableException or TransactionCoordinatorException)
        {
            throw new OrderUnavailableException("could not begin a transaction: " + ex.Message, ex);
        }

        var id = transaction.Id;
        using (DistributedTransactionContext.Begin(id))
        {
            StepResult step;
            try
            {
                step = await inventory.ReserveAsync(orderId, request.Sku!, request.Quantity, cancellationToken);
                if (step.Accepted)
                {
                    step = await payments.ChargeAsync(orderId, request.CustomerId!, request.Amount, request.CardNumber!, cancellationToken);
                }
            }
            catch (DownstreamUnavailableException ex)
            {
                await TryAbortAsync(id, ex.Message, cancellationToken);
                throw new OrderUnavailableException(ex.Message, ex);
            }

            if (!step.Accepted)
            {
                await TryAbortAsync(id, step.Reason!, cancellationToken);
                LogMessages.OrderFinished(logger, orderId, id, "Aborted", step.Reason);
                return new OrderResult(orderId, id, nameof(TransactionOutcome.Aborted), step.Reason);
            }

            var result = await CommitAsync(orderId, id, cancellationToken);
            LogMessages.OrderFinished(logger, orderId, id, result.Outcome, result.Reason);
            return result;
        }
    }

    private async Task<OrderResult> CommitAsync(Guid orderId, Guid id, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await coordinator.CommitAsync(id, cancellationToken);
            return new OrderResult(orderId, id, outcome.Outcome.ToString(), outcome.Reason);
        }
        catch (TransactionCoordinatorException ex) when (ex.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // Already aborted (deadline passed, a participant gave up): a result, not a failure.
            return new OrderResult(orderId, id, nameof(TransactionOutcome.Aborted), ex.Detail ?? ex.Title);
        }
        catch (TransactionCoordinatorException ex) when (ex.StatusCode == System.Net.HttpStatusCode.GatewayTimeout)
        {
            // One-phase commit still waiting for its participant: the decision will appear in GET.
            return await AwaitOutcomeAsync(orderId, id, cancellationToken)
                ?? throw new OrderUnavailableException($"the outcome of transaction {id} is not known yet", ex);
        }
        catch (Exception ex) when (ex is CoordinatorUnavailableException or TransactionCoordinatorException)
        {
            // Without a commit decision the transaction cannot commit; aborting just releases the participants sooner.
            await TryAbortAsync(id, "commit request failed: " + ex.Message, cancellationToken);
            throw new OrderUnavailableException("commit failed: " + ex.Message, ex);
        }
    }

    private async Task<OrderResult?> AwaitOutcomeAsync(Guid orderId, Guid id, CancellationToken cancellationToken)
    {
        var until = timeProvider.GetUtcNow() + TransactionTimeout;
        while (timeProvider.GetUtcNow() < until)
        {
            var view = await coordinator.GetAsync(id, cancellationToken);
            if (view?.State is TransactionState.Committing or TransactionState.Committed)
            {
                return new OrderResult(orderId, id, nameof(TransactionOutcome.Committed), null);
            }

            if (view?.State is TransactionState.Aborting or TransactionState.Aborted)
            {
                return new OrderResult(orderId, id, nameof(TransactionOutcome.Aborted), view.AbortReason);
            }

            await Task.Delay(OutcomePollInterval, timeProvider, cancellationToken);
        }

        return null;
    }

    private async Task TryAbortAsync(Guid id, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await coordinator.AbortAsync(id, reason, cancellationToken);
        }
        catch (Exception ex) when (ex is CoordinatorUnavailableException or TransactionCoordinatorException)
        {
            // The coordinator aborts it at its deadline anyway: nothing commits without our commit call.
            LogMessages.AbortFailed(logger, id, ex);
        }
    }
}
