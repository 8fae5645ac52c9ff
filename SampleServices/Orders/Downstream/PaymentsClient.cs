namespace TxCoordinator.Samples.Orders.Downstream;

/// <summary>Typed client of the Payments service; the transaction header is added by AddTransactionPropagation.</summary>
public sealed class PaymentsClient(HttpClient http)
{
    public Task<StepResult> ChargeAsync(
        Guid orderId, string customerId, decimal amount, string cardNumber, CancellationToken cancellationToken = default) =>
        DownstreamCaller.PostAsync(http, "payments", "charges", new { orderId, customerId, amount, cardNumber }, cancellationToken);
}
