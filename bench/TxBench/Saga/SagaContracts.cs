namespace TxCoordinator.Bench.Saga;

/// <summary>Activity 1's arguments: take stock for the order.</summary>
public sealed record ReserveStockArguments(Guid OrderId, string Sku, int Quantity);

/// <summary>What activity 1 did, so that its compensation can give the stock back.</summary>
public sealed record ReserveStockLog(Guid OrderId, string Sku, int Quantity);

/// <summary>Activity 2's arguments: charge the customer.</summary>
public sealed record ChargeArguments(Guid OrderId, string CustomerId, decimal Amount, string CardNumber);

/// <summary>The saga peer's two databases, as the activities see them.</summary>
public sealed record SagaDatabases(Npgsql.NpgsqlDataSource Inventory, Npgsql.NpgsqlDataSource Payments);
