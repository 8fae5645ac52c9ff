using MassTransit;
using TxCoordinator.Participants.Messaging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the participant's consumers to a MassTransit bus.</summary>
public static class ParticipantBusRegistrationExtensions
{
    /// <summary>
    /// Registers the PrepareTransaction, CommitTransaction and AbortTransaction consumers on the receive endpoint named
    /// <c>ParticipantOptions.EndpointName</c>; the bus must call <c>ConfigureEndpoints(context)</c>.
    /// Requires <c>services.AddTransactionParticipant(...)</c>.
    /// </summary>
    public static IBusRegistrationConfigurator AddTransactionParticipantConsumers(this IBusRegistrationConfigurator configurator)
    {
        ArgumentNullException.ThrowIfNull(configurator);
        configurator.AddConsumer<PrepareTransactionConsumer, ParticipantConsumerDefinition<PrepareTransactionConsumer>>();
        configurator.AddConsumer<CommitTransactionConsumer, ParticipantConsumerDefinition<CommitTransactionConsumer>>();
        configurator.AddConsumer<AbortTransactionConsumer, ParticipantConsumerDefinition<AbortTransactionConsumer>>();
        return configurator;
    }
}
