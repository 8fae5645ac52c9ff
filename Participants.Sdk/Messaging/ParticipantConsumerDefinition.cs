using MassTransit;
using Microsoft.Extensions.Options;
using TxCoordinator.Participants.Participation;

namespace TxCoordinator.Participants.Messaging;

/// <summary>Puts the participant's consumers on one receive endpoint named after the participant, with bounded retries.</summary>
internal sealed class ParticipantConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    private readonly int _concurrentMessageLimit;

    public ParticipantConsumerDefinition(IOptions<ParticipantOptions> options)
    {
        EndpointName = options.Value.ResolvedEndpointName;
        _concurrentMessageLimit = options.Value.ConcurrentMessageLimit;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // Branches of different transactions are independent; the default (a few per core) leaves PostgreSQL idle
        // while each handler waits on its fsync.
        endpointConfigurator.PrefetchCount = _concurrentMessageLimit * 2;
        endpointConfigurator.ConcurrentMessageLimit = _concurrentMessageLimit;

        // Transient failures (database restart, busy transaction) are retried a few times; the coordinator also resends.
        consumerConfigurator.UseMessageRetry(retry =>
        {
            retry.Ignore<MalformedParticipantMessageException>();
            retry.Intervals(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2));
        });
    }
}
