namespace TxCoordinator.Samples.Orders.Downstream;

/// <summary>Typed client of the Inventory service; the transaction header is added by AddTransactionPropagation.</summary>
public sealed class InventoryClient(HttpClient http)
{
    public Task<StepResult> ReserveAsync(Guid orderId, string sku, int quantity, CancellationToken cancellationToken = default) =>
        DownstreamCaller.PostAsync(http, "inventory", "reservations", new { orderId, sku, quantity }, cancellationToken);
}
