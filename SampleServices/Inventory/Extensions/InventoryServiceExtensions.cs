using MassTransit;
using Npgsql;
using TxCoordinator.Samples.Inventory.Reservations;
using TxCoordinator.Samples.Inventory.Schema;
using TxCoordinator.ServiceDefaults.Settings;

namespace TxCoordinator.Samples.Inventory.Extensions;

/// <summary>Wiring of the Inventory sample: a participant that reserves stock in its own PostgreSQL database.</summary>
public static class InventoryServiceExtensions
{
    public const string ParticipantId = "inventory";

    public static WebApplicationBuilder AddInventoryService(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.RequiredConnectionString("Inventory");
        var rabbit = builder.Configuration.RabbitMqUri();

        builder.Services.AddProblemDetails();
        builder.AddServiceTelemetry("inventory", "Telemetry");
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        // Before the participant and the bus: their hosted services start after the tables exist.
        builder.Services.AddServiceTables("inventory", InventoryTables.Sql);
        builder.Services.AddTransactionParticipant(options =>
        {
            if (string.IsNullOrWhiteSpace(options.ParticipantId))
            {
                options.ParticipantId = ParticipantId;
            }

            options.ConnectionString = connectionString;
        });
        builder.Services.AddMassTransit(bus =>
        {
            bus.AddTransactionParticipantConsumers();
            bus.UsingRabbitMq((context, cfg) =>
            {
                // This bus carries only the SDK's votes and acknowledgements, which the coordinator asks for again when
                // one is lost: waiting for the broker to confirm each costs CPU and buys nothing (docs/protocol.md).
                cfg.Host(rabbit, host => host.PublisherConfirmation = false);
                cfg.UseTransactionPropagation();
                cfg.ConfigureEndpoints(context);
            });
        });
        return builder;
    }

    public static WebApplication UseInventoryService(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseTransactionContext();
        app.MapServiceHealth();
        app.MapServiceTelemetry();
        app.MapReservations();
        return app;
    }
}
