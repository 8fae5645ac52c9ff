using MassTransit;
using Microsoft.Extensions.Options;
using TxCoordinator.Coordinator;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Messaging;
using TxCoordinator.ServiceDefaults.Settings;

namespace Microsoft.Extensions.Hosting;

public static class CoordinatorMessagingExtensions
{
    /// <summary>
    /// Connects to RabbitMQ and consumes participants' votes and acknowledgements (alone or gathered in one message) on
    /// the coordinator's queue.
    /// </summary>
    public static IHostApplicationBuilder AddCoordinatorMessaging(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var rabbitUri = builder.Configuration.RabbitMqUri();

        builder.Services.AddMassTransit(bus =>
        {
            bus.AddConsumer<ParticipantVotedConsumer>();
            bus.AddConsumer<ParticipantCompletedConsumer>();
            bus.AddConsumer<ParticipantsCompletedConsumer>();
            bus.UsingRabbitMq((context, cfg) =>
            {
                var options = context.GetRequiredService<IOptions<CoordinatorOptions>>().Value;
                cfg.Host(rabbitUri, host => host.PublisherConfirmation = options.PublisherConfirmation);
                var cluster = context.GetRequiredService<IOptions<ClusterOptions>>().Value;
                cfg.ReceiveEndpoint(options.QueueName, endpoint => ConfigureCoordinatorEndpoint(endpoint, context));
                if (cluster.Enabled)
                {
                    // Where followers hand the leader what they received on the shared queue.
                    cfg.ReceiveEndpoint(QueueNames.ForReplica(options.QueueName, cluster.ReplicaId!),
                        endpoint => ConfigureCoordinatorEndpoint(endpoint, context));
                }
            });
        });
        return builder;
    }

    private static void ConfigureCoordinatorEndpoint(IRabbitMqReceiveEndpointConfigurator endpoint, IBusRegistrationContext context)
    {
        // Votes of many transactions are independent: consume them concurrently. Retries are bounded and the
        // engine is idempotent; the longest waits (31 s in all) cover a leader election even when a partitioned or
        // paused leader takes a while to be replaced: the chaos runs saw elections of up to 27 s, and with 8 s of
        // retries hundreds of votes per run ended in the error queue, to be asked for again by resends. A malformed
        // or unreadable message is not retried.
        endpoint.PrefetchCount = 128;
        endpoint.ConcurrentMessageLimit = 64;
        endpoint.UseMessageRetry(retry =>
        {
            retry.Ignore<InvalidMessageException>();
            // A body that cannot be read now never will be: straight to the error queue, not after 31 s of retries.
            retry.Ignore<System.Runtime.Serialization.SerializationException>();
            retry.Ignore<System.Text.Json.JsonException>();
            retry.Intervals(
                TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500),
                TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8),
                TimeSpan.FromSeconds(15));
        });
        endpoint.ConfigureConsumer<ParticipantVotedConsumer>(context);
        endpoint.ConfigureConsumer<ParticipantCompletedConsumer>(context);
        endpoint.ConfigureConsumer<ParticipantsCompletedConsumer>(context);
    }
}
