using System.Collections.Concurrent;
using MassTransit;
using MassTransit.Courier.Contracts;
using TxCoordinator.Bench.Measurement;
using TxCoordinator.Bench.Workload;

namespace TxCoordinator.Bench.Saga;

/// <summary>
/// Peer c, what a .NET team would build instead: each order is a MassTransit routing slip (reserve stock, then
/// charge; a refused charge compensates the reservation) executed by the saga-worker process over the broker. The
/// client waits for the slip's Completed or Faulted event, sent to its own queue.
/// </summary>
public sealed class SagaWorkload : IBenchWorkload
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<OpOutcome>> _waiting = new();
    private readonly OrderStream _orders;
    private IBusControl _bus = null!;
    private Uri _events = null!;

    private SagaWorkload(OrderStream orders) => _orders = orders;

    public string Peer => "saga";

    public static async Task<SagaWorkload> StartAsync(Uri rabbitMq, OrderStream orders, int concurrency, CancellationToken cancellationToken = default)
    {
        var workload = new SagaWorkload(orders);
        var queue = "txbench-saga-client-" + Guid.NewGuid().ToString("N")[..8];
        workload._bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(rabbitMq);
            cfg.ReceiveEndpoint(queue, e =>
            {
                e.AutoDelete = true;
                // With its query (autodelete=true), so that the worker's sends match the queue's declaration.
                workload._events = e.InputAddress;
                // Events arrive through the slips' subscription only; nothing published is bound here.
                e.ConfigureConsumeTopology = false;
                e.PrefetchCount = Math.Max(16, concurrency * 2);
                e.ConcurrentMessageLimit = Math.Max(8, concurrency);
                e.Handler<RoutingSlipCompleted>(context => workload.Finish(context.Message.TrackingNumber, OpOutcome.Committed));
                e.Handler<RoutingSlipFaulted>(context => workload.Finish(
                    context.Message.TrackingNumber,
                    context.Message.ActivityExceptions.All(a => a.ExceptionInfo.ExceptionType.Contains(nameof(OrderRefusedException), StringComparison.Ordinal))
                        ? OpOutcome.Aborted
                        : OpOutcome.Failed));
            });
        });
        await workload._bus.StartAsync(cancellationToken);
        return workload;
    }

    public async Task<OpOutcome> ExecuteAsync(long sequence, CancellationToken cancellationToken = default)
    {
        var plan = _orders[sequence];
        var builder = new RoutingSlipBuilder(NewId.NextGuid());
        builder.AddActivity("ReserveStock", new Uri("queue:" + SagaWorker.ReserveStockExecuteQueue),
            new ReserveStockArguments(plan.OrderId, plan.Sku, plan.Quantity));
        builder.AddActivity("Charge", new Uri("queue:" + SagaWorker.ChargeExecuteQueue),
            new ChargeArguments(plan.OrderId, plan.CustomerId, plan.Amount, plan.CardNumber));
        builder.AddSubscription(_events, RoutingSlipEvents.Completed | RoutingSlipEvents.Faulted, RoutingSlipEventContents.None);
        var slip = builder.Build();
        var finished = new TaskCompletionSource<OpOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[slip.TrackingNumber] = finished;
        try
        {
            await _bus.Execute(slip, cancellationToken);
            return await finished.Task.WaitAsync(Timeout, cancellationToken);
        }
        finally
        {
            _waiting.TryRemove(slip.TrackingNumber, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _bus.StopAsync(timeout.Token);
    }

    private Task Finish(Guid trackingNumber, OpOutcome outcome)
    {
        if (_waiting.TryGetValue(trackingNumber, out var waiter))
        {
            waiter.TrySetResult(outcome);
        }

        return Task.CompletedTask;
    }
}
