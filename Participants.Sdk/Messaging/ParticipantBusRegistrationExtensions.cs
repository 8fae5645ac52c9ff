using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TxCoordinator.Participants.Messaging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the participant's consumers to a MassTransit bus.</summary>
public static class ParticipantBusRegistrationExtensions
{
    /// <summary>
    /// Registers the PrepareTransaction, CommitTransaction and AbortTransaction consumers on the receive endpoint named
    /// <c>ParticipantOptions.EndpointName</c>, and what sends their answers, and the consumer of the coordinator's
    /// TransactionAbortAnnounced (published, so the endpoint's queue is bound to its exchange); the bus must call
    /// <c>ConfigureEndpoints(context)</c>. Requires <c>services.AddTransactionParticipant(...)</c>.
    /// </summary>
    public static IBusRegistrationConfigurator AddTransactionParticipantConsumers(this IBusRegistrationConfigurator configurator)
    {
        ArgumentNullException.ThrowIfNull(configurator);
        configurator.TryAddSingleton<AcknowledgementBatcher>();
        configurator.AddHostedService(sp => sp.GetRequiredService<AcknowledgementBatcher>());
        configurator.TryAddSingleton<CoordinatorReplier>();
        configurator.AddConsumer<PrepareTransactionConsumer, ParticipantConsumerDefinition<PrepareTransactionConsumer>>();
        configurator.AddConsumer<CommitTransactionConsumer, ParticipantConsumerDefinition<CommitTransactionConsumer>>();
        configurator.AddConsumer<AbortTransactionConsumer, ParticipantConsumerDefinition<AbortTransactionConsumer>>();
        configurator.AddConsumer<AbortAnnouncementConsumer, ParticipantConsumerDefinition<AbortAnnouncementConsumer>>();
        return configurator;
    }
}
