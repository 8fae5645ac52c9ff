using MassTransit;
using TxCoordinator.Bench.Workload;

namespace TxCoordinator.Bench.Saga;

/// <summary>Activity 1: reserves stock in one local transaction; compensation gives it back in another.</summary>
public sealed class ReserveStockActivity(SagaDatabases databases) : IActivity<ReserveStockArguments, ReserveStockLog>
{
    public async Task<ExecutionResult> Execute(ExecuteContext<ReserveStockArguments> context)
    {
        var args = context.Arguments;
        var cancellationToken = context.CancellationToken;
        return await OrderSql.InLocalTransactionAsync(databases.Inventory, (connection, transaction) => OrderSql.ReserveAsync(
                connection, transaction, args.OrderId, args.Sku, args.Quantity, context.TrackingNumber, cancellationToken), cancellationToken)
            ? context.Completed(new ReserveStockLog(args.OrderId, args.Sku, args.Quantity))
            : context.Faulted(new OrderRefusedException("out of stock"));
    }

    public async Task<CompensationResult> Compensate(CompensateContext<ReserveStockLog> context)
    {
        var log = context.Log;
        var cancellationToken = context.CancellationToken;
        await OrderSql.InLocalTransactionAsync(databases.Inventory, async (connection, transaction) =>
        {
            await OrderSql.ReleaseAsync(connection, transaction, log.OrderId, log.Sku, log.Quantity, cancellationToken);
            return true;
        }, cancellationToken);
        return context.Compensated();
    }
}
