using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Initiator;
using TxCoordinator.Samples.Orders.Diagnostics;
using TxCoordinator.Samples.Orders.Downstream;

namespace TxCoordinator.Samples.Orders.Ordering;

/// <summary>Places an order in one distributed transaction: reserve stock, charge the customer, then commit or abort.</summary>
public sealed class OrderProcessor(ITransactionInitiator initiator, InventoryClient inventory, PaymentsClient payments, ILogger<OrderProcessor> logger)
{
    public static readonly TimeSpan TransactionTimeout = TimeSpan.FromSeconds(10);

    /// <exception cref="OrderUnavailableException">The coordinator or a service failed, or the outcome is not known
    /// yet; the transaction was aborted when that was possible.</exception>
    public async Task<OrderResult> PlaceAsync(OrderRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var orderId = request.OrderId ?? Guid.NewGuid();
        var options = new TransactionRunOptions
        {
            Timeout = TransactionTimeout,
            Metadata = new Dictionary<string, string> { ["orderId"] = orderId.ToString() },
        };

        TransactionResult result;
        Guid? transactionId = null;
        try
        {
            result = await initiator.RunAsync(async (transaction, ct) =>
            {
                transactionId = transaction.Id;
                var step = await inventory.ReserveAsync(orderId, request.Sku!, request.Quantity, ct);
                if (step.Accepted)
                {
                    step = await payments.ChargeAsync(orderId, request.CustomerId!, request.Amount, request.CardNumber!, ct);
                }

                if (!step.Accepted)
                {
                    transaction.Abort(step.Reason!);
                }
            }, options, cancellationToken);
        }
        catch (Exception ex) when (ex is CoordinatorUnavailableException or TransactionCoordinatorException)
        {
            // Only the begin throws these: the commit's failures end as a result or as an unknown outcome.
            throw Unavailable(orderId, null, "could not begin a transaction: " + ex.Message, ex);
        }
        catch (DownstreamUnavailableException ex)
        {
            // The initiator has aborted the transaction (or, if the coordinator did not answer, it aborts at the deadline).
            throw Unavailable(orderId, transactionId, ex.Message, ex);
        }
        catch (TransactionOutcomeUnknownException ex)
        {
            throw Unavailable(orderId, ex.TransactionId, ex.Message, ex);
        }

        var outcome = result.Outcome.ToString();
        LogMessages.OrderFinished(logger, orderId, result.TransactionId, outcome, result.Reason);
        return new OrderResult(orderId, result.TransactionId, outcome, result.Reason);
    }

    private OrderUnavailableException Unavailable(Guid orderId, Guid? transactionId, string detail, Exception cause)
    {
        LogMessages.OrderUnavailable(logger, orderId, transactionId, detail);
        return new OrderUnavailableException(detail, transactionId, cause);
    }
}
