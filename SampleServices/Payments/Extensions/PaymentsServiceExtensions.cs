using MassTransit;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Npgsql;
using TxCoordinator.Samples.Payments.Charges;
using TxCoordinator.Samples.Payments.Schema;

namespace TxCoordinator.Samples.Payments.Extensions;

/// <summary>Wiring of the Payments sample: a participant that debits customer wallets in its own PostgreSQL database.</summary>
public static class PaymentsServiceExtensions
{
    public const string ParticipantId = "payments";

    public static WebApplicationBuilder AddPaymentsService(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = RequiredSetting(builder.Configuration.GetConnectionString("Payments"), "ConnectionStrings:Payments");
        var rabbit = RabbitUri(builder.Configuration.GetConnectionString("RabbitMq"));

        builder.Services.AddProblemDetails();
        builder.AddServiceTelemetry("payments", "Telemetry");
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        builder.Services.AddSingleton<PaymentsSchemaState>();
        // Hosted services start in registration order: the tables exist before the participant and the bus start.
        builder.Services.AddHostedService<PaymentsSchemaInitializer>();
        builder.Services.AddHealthChecks().AddCheck<PaymentsSchemaHealthCheck>("payments-schema", tags: ["ready"]);
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
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapServiceTelemetry();
        app.MapCharges();
        return app;
    }

    private static string RequiredSetting(string? value, string name) => string.IsNullOrWhiteSpace(value)
        ? throw new InvalidOperationException($"{name} is not set.")
        : value;

    private static Uri RabbitUri(string? value)
    {
        var text = RequiredSetting(value, "ConnectionStrings:RabbitMq");
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "amqp" or "amqps"
            ? uri
            : throw new InvalidOperationException($"ConnectionStrings:RabbitMq must be an amqp:// or amqps:// URI, not '{text}'.");
    }
}
