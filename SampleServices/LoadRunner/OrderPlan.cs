namespace TxCoordinator.Samples.LoadRunner;

/// <summary>What an order is meant to test.</summary>
public enum OrderKind
{
    /// <summary>Should commit.</summary>
    Normal,

    /// <summary>Asks for <see cref="Seeder.SoldOutSku"/>: Inventory refuses, the order must abort.</summary>
    SoldOut,

    /// <summary>Pays with <see cref="OrderPlanner.DeclinedCard"/>: Payments refuses after Inventory reserved, the order must abort.</summary>
    DeclinedCard,
}

/// <summary>One order to send to <c>POST /orders</c>.</summary>
public sealed record OrderPlan(Guid OrderId, OrderKind Kind, string CustomerId, string Sku, int Quantity, decimal Amount, string CardNumber);
