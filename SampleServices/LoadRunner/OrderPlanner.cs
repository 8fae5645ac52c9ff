namespace TxCoordinator.Samples.LoadRunner;

/// <summary>
/// The workload: the same seed gives the same mix of customers, products and deliberate failures (about 5% sold out,
/// 5% declined cards). Order ids are always new so that reruns against the same coordinator never collide.
/// </summary>
public static class OrderPlanner
{
    public const string GoodCard = "4242424242424242";
    public const string DeclinedCard = "4000000000000002";
    public const double SoldOutShare = 0.05;
    public const double DeclinedShare = 0.05;

    public static IReadOnlyList<OrderPlan> Plan(Catalog catalog, int count, int seed) => [.. Endless(catalog, seed).Take(count)];

    /// <summary>Orders for as long as the caller asks, for runs bounded by time rather than by count.</summary>
    public static IEnumerable<OrderPlan> Endless(Catalog catalog, int seed)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var random = new Random(seed);
        while (true)
        {
            var roll = random.NextDouble();
            var kind = roll < SoldOutShare ? OrderKind.SoldOut : roll < SoldOutShare + DeclinedShare ? OrderKind.DeclinedCard : OrderKind.Normal;
            var product = catalog.Products[random.Next(catalog.Products.Count)];
            var customer = catalog.Customers[random.Next(catalog.Customers.Count)];
            var quantity = random.Next(1, 4);
            yield return new OrderPlan(
                Guid.NewGuid(),
                kind,
                customer,
                kind == OrderKind.SoldOut ? Seeder.SoldOutSku : product.Sku,
                quantity,
                product.Price * quantity,
                kind == OrderKind.DeclinedCard ? DeclinedCard : GoodCard);
        }
    }
}
