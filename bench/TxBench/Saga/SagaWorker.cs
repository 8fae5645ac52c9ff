using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TxCoordinator.Bench.Cli;

namespace TxCoordinator.Bench.Saga;

/// <summary>The saga peer's worker process: hosts both activities' execute and compensate endpoints until stopped.</summary>
public static class SagaWorker
{
    public const string ReserveStockExecuteQueue = "reserve-stock_execute";
    public const string ChargeExecuteQueue = "charge_execute";

    /// <summary>Messages handled at once per endpoint: as the SDK's participant endpoints (32, prefetch 64).</summary>
    public const int ConcurrentMessageLimit = 32;

    public static async Task<int> RunAsync(BenchOptions options, TextWriter report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var inventory = NpgsqlDataSource.Create(options.InventoryDb!);
        await using var payments = NpgsqlDataSource.Create(options.PaymentsDb!);
        await Connectivity.EnsureDatabaseAsync(inventory, "--inventory-db", cancellationToken);
        await Connectivity.EnsureDatabaseAsync(payments, "--payments-db", cancellationToken);

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A refused order faults its slip by design: not worth a log line each.
        builder.Logging.AddFilter("MassTransit", LogLevel.Critical);
        builder.Services.AddSingleton(new SagaDatabases(inventory, payments));
        builder.Services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            bus.AddActivity<ReserveStockActivity, ReserveStockArguments, ReserveStockLog>();
            bus.AddExecuteActivity<ChargeActivity, ChargeArguments>();
            bus.AddConfigureEndpointsCallback((_, endpoint) =>
            {
                endpoint.ConcurrentMessageLimit = ConcurrentMessageLimit;
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    rabbit.PrefetchCount = ConcurrentMessageLimit * 2;
                }
            });
            bus.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(options.RabbitMq!);
                cfg.ConfigureEndpoints(context);
            });
        });
        using var host = builder.Build();
        return await ServerLifetime.RunUntilStoppedAsync(
            host, report, $"saga-worker ready: {ReserveStockExecuteQueue}, {ChargeExecuteQueue} on {options.RabbitMq!.Authority}", cancellationToken);
    }
}
