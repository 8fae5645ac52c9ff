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

/// <summary>The body of <c>POST /orders</c> for a plan (camelCase on the wire, as PostAsJsonAsync writes it).</summary>
public sealed record OrderRequestBody(Guid OrderId, string CustomerId, string Sku, int Quantity, decimal Amount, string CardNumber)
{
    public static OrderRequestBody Of(OrderPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new(plan.OrderId, plan.CustomerId, plan.Sku, plan.Quantity, plan.Amount, plan.CardNumber);
    }
}
