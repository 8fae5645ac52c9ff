using MassTransit;
using Microsoft.Extensions.Options;
using TxCoordinator.Coordinator;
using TxCoordinator.Coordinator.Messaging;

namespace Microsoft.Extensions.Hosting;

public static class CoordinatorMessagingExtensions
{
    /// <summary>Connects to RabbitMQ and consumes participants' votes and acknowledgements on the coordinator's queue.</summary>
    public static IHostApplicationBuilder AddCoordinatorMessaging(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var rabbit = builder.Configuration.GetConnectionString("RabbitMq")
            ?? throw new InvalidOperationException("ConnectionStrings:RabbitMq is not set (an amqp:// URI of the broker).");
        if (!Uri.TryCreate(rabbit, UriKind.Absolute, out var rabbitUri) || rabbitUri.Scheme is not ("amqp" or "amqps"))
        {
            throw new InvalidOperationException($"ConnectionStrings:RabbitMq must be an amqp:// or amqps:// URI, not '{rabbit}'.");
        }

        builder.Services.AddMassTransit(bus =>
        {
            bus.AddConsumer<ParticipantVotedConsumer>();
            bus.AddConsumer<ParticipantCompletedConsumer>();
            bus.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(rabbitUri);
                var options = context.GetRequiredService<IOptions<CoordinatorOptions>>().Value;
                cfg.ReceiveEndpoint(options.QueueName, endpoint =>
                {
                    // Votes of many transactions are independent: consume them concurrently. Retries are few and
                    // short (the engine is idempotent); a malformed message is not retried at all.
                    endpoint.PrefetchCount = 128;
                    endpoint.ConcurrentMessageLimit = 64;
                    endpoint.UseMessageRetry(retry =>
                    {
                        retry.Ignore<InvalidMessageException>();
                        retry.Incremental(3, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200));
                    });
                    endpoint.ConfigureConsumer<ParticipantVotedConsumer>(context);
                    endpoint.ConfigureConsumer<ParticipantCompletedConsumer>(context);
                });
            });
        });
        return builder;
    }
}
