namespace TxCoordinator.Bench.Chain;

/// <summary>Body of the chain's <c>POST /reservations</c> and <c>POST /reservations/release</c> (as the Inventory sample's).</summary>
public sealed record ChainReservation(Guid OrderId, string Sku, int Quantity);

/// <summary>Body of the chain's <c>POST /charges</c> (as the Payments sample's).</summary>
public sealed record ChainCharge(Guid OrderId, string CustomerId, decimal Amount, string CardNumber);

/// <summary>Answer of the chain's <c>POST /orders</c>, in the Orders sample's shape.</summary>
public sealed record ChainOrderResult(Guid OrderId, string Outcome, string? Reason);
