using MassTransit;
using Microsoft.Extensions.Options;
using TxCoordinator.Samples.Orders.Downstream;
using TxCoordinator.Samples.Orders.Ordering;
using TxCoordinator.ServiceDefaults.Settings;

namespace TxCoordinator.Samples.Orders.Extensions;

/// <summary>Wiring of the Orders sample: the initiator that begins, spreads and commits the order's transaction.</summary>
public static class OrdersServiceExtensions
{
    public static WebApplicationBuilder AddOrdersService(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var rabbit = builder.Configuration.RabbitMqUri();

        builder.Services.AddProblemDetails();
        builder.AddServiceTelemetry("orders", "Telemetry");
        builder.Services.AddTransactionCoordinatorClient(); // also registers TimeProvider.System
        builder.Services.AddOptions<DownstreamServicesOptions>()
            .BindConfiguration(DownstreamServicesOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHttpClient<InventoryClient>(ConfigureDownstream(o => o.Inventory!)).AddTransactionPropagation();
        builder.Services.AddHttpClient<PaymentsClient>(ConfigureDownstream(o => o.Payments!)).AddTransactionPropagation();
        builder.Services.AddScoped<OrderProcessor>();

        // Orders sends no messages of its own yet; the bus is there so that it can, with the transaction propagated.
        builder.Services.AddMassTransit(bus => bus.UsingRabbitMq((context, cfg) =>
        {
            cfg.Host(rabbit);
            cfg.UseTransactionPropagation();
            cfg.ConfigureEndpoints(context);
        }));
        return builder;
    }

    public static WebApplication UseOrdersService(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapServiceHealth();
        app.MapServiceTelemetry();
        app.MapOrders();
        return app;
    }

    private static Action<IServiceProvider, HttpClient> ConfigureDownstream(Func<DownstreamServicesOptions, Uri> address) =>
        (services, client) =>
        {
            var options = services.GetRequiredService<IOptions<DownstreamServicesOptions>>().Value;
            var baseAddress = address(options).AbsoluteUri;
            client.BaseAddress = new Uri(baseAddress.EndsWith('/') ? baseAddress : baseAddress + "/");
            client.Timeout = options.RequestTimeout;
        };
}
