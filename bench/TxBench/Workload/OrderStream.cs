using Npgsql;
using TxCoordinator.Bench.Cli;
using TxCoordinator.Samples.Inventory.Schema;
using TxCoordinator.Samples.LoadRunner;
using TxCoordinator.Samples.Payments.Schema;

namespace TxCoordinator.Bench.Workload;

/// <summary>
/// The demo's order mix (LoadRunner's seeder and planner: 200 products, 1,000 customers, about 5% sold out and 5%
/// declined cards), endlessly: operation n takes planned order n modulo the plan's length, with a fresh order id.
/// </summary>
public sealed class OrderStream(IReadOnlyList<OrderPlan> plans)
{
    public const int PlannedOrders = 100_000;

    public OrderPlan this[long sequence] => plans[(int)(sequence % plans.Count)] with { OrderId = Guid.NewGuid() };

    /// <summary>Creates the tables when missing, then empties and refills them exactly as the demo does.</summary>
    public static async Task<OrderStream> SeedAsync(
        NpgsqlDataSource inventory, NpgsqlDataSource payments, int seed, TimeProvider timeProvider, TextWriter report,
        CancellationToken cancellationToken = default)
    {
        await Connectivity.EnsureDatabaseAsync(inventory, "--inventory-db", cancellationToken);
        await Connectivity.EnsureDatabaseAsync(payments, "--payments-db", cancellationToken);
        await SampleSchema.EnsureAsync(inventory, InventoryTables.Sql, cancellationToken);
        await SampleSchema.EnsureAsync(payments, PaymentsTables.Sql, cancellationToken);
        Catalog catalog;
        try
        {
            catalog = await new Seeder(inventory, payments, timeProvider, report).SeedAsync(seed, cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            // The seeder's own explanation (locks held by leftovers or by another load), without a stack trace.
            throw new UnreachableException($"could not re-seed the sample tables: {ex.Message}", ex);
        }

        return new OrderStream(OrderPlanner.Plan(catalog, PlannedOrders, seed));
    }
}
