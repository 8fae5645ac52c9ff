using TxCoordinator.Participants.Propagation;

namespace MassTransit;

/// <summary>Propagates the ambient transaction through MassTransit messages.</summary>
public static class TransactionPropagationBusExtensions
{
    /// <summary>
    /// Sent and published messages carry the Txc-Transaction-Id header of <see cref="TxCoordinator.Participants.Propagation.DistributedTransactionContext.Current"/>, and
    /// consumers see the header of the message they handle as <see cref="TxCoordinator.Participants.Propagation.DistributedTransactionContext.Current"/>.
    /// </summary>
    public static IBusFactoryConfigurator UseTransactionPropagation(this IBusFactoryConfigurator configurator)
    {
        ArgumentNullException.ThrowIfNull(configurator);
        var stamp = new TransactionPropagationSendFilter();
        configurator.ConfigureSend(send => send.UseFilter<SendContext>(stamp));
        configurator.ConfigurePublish(publish => publish.UseFilter<PublishContext>(stamp));
        configurator.UseFilter(new TransactionContextConsumeFilter());
        return configurator;
    }
}
