using MassTransit;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TxCoordinator.Samples.Orders.Downstream;
using TxCoordinator.Samples.Orders.Ordering;

namespace TxCoordinator.Samples.Orders.Extensions;

/// <summary>Wiring of the Orders sample: the initiator that begins, spreads and commits the order's transaction.</summary>
public static class OrdersServiceExtensions
{
    public static WebApplicationBuilder AddOrdersService(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var rabbit = RabbitUri(builder.Configuration.GetConnectionString("RabbitMq"));

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
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
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

    private static Uri RabbitUri(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "amqp" or "amqps"
            ? uri
            : throw new InvalidOperationException($"ConnectionStrings:RabbitMq must be an amqp:// or amqps:// URI, not '{value}'.");
}
