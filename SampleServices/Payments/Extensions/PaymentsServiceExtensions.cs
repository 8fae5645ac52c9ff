using MassTransit;
using Npgsql;
using TxCoordinator.Samples.Payments.Charges;
using TxCoordinator.Samples.Payments.Schema;
using TxCoordinator.ServiceDefaults.Settings;

namespace TxCoordinator.Samples.Payments.Extensions;

/// <summary>Wiring of the Payments sample: a participant that debits customer wallets in its own PostgreSQL database.</summary>
public static class PaymentsServiceExtensions
{
    public const string ParticipantId = "payments";

    public static WebApplicationBuilder AddPaymentsService(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.RequiredConnectionString("Payments");
        var rabbit = builder.Configuration.RabbitMqUri();

        builder.Services.AddProblemDetails();
        builder.AddServiceTelemetry("payments", "Telemetry");
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        // Before the participant and the bus: their hosted services start after the tables exist.
        builder.Services.AddServiceTables("payments", PaymentsTables.Sql);
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

    public static WebApplication UsePaymentsService(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseTransactionContext();
        app.MapServiceHealth();
        app.MapServiceTelemetry();
        app.MapCharges();
        return app;
    }
}
