using MassTransit;
using TxCoordinator.Bench.Workload;

namespace TxCoordinator.Bench.Saga;

/// <summary>Activity 2: charges the customer in one local transaction; a refusal faults the slip, which compensates activity 1.</summary>
public sealed class ChargeActivity(SagaDatabases databases) : IExecuteActivity<ChargeArguments>
{
    public async Task<ExecutionResult> Execute(ExecuteContext<ChargeArguments> context)
    {
        var args = context.Arguments;
        var cancellationToken = context.CancellationToken;
        return await OrderSql.InLocalTransactionAsync(databases.Payments, (connection, transaction) => OrderSql.ChargeAsync(
                connection, transaction, args.OrderId, args.CustomerId, args.Amount, args.CardNumber, context.TrackingNumber, cancellationToken),
            cancellationToken)
            ? context.Completed()
            : context.Faulted(new OrderRefusedException("card declined"));
    }
}
