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
        await using var connection = await databases.Inventory.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await OrderSql.ReserveAsync(connection, transaction, args.OrderId, args.Sku, args.Quantity, context.TrackingNumber, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            return context.Faulted(new OrderRefusedException("out of stock"));
        }

        await transaction.CommitAsync(cancellationToken);
        return context.Completed(new ReserveStockLog(args.OrderId, args.Sku, args.Quantity));
    }

    public async Task<CompensationResult> Compensate(CompensateContext<ReserveStockLog> context)
    {
        var log = context.Log;
        var cancellationToken = context.CancellationToken;
        await using var connection = await databases.Inventory.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await OrderSql.ReleaseAsync(connection, transaction, log.OrderId, log.Sku, log.Quantity, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return context.Compensated();
    }
}
