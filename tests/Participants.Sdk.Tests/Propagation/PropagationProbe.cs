using MassTransit;

namespace TxCoordinator.Participants.Sdk.Tests.Propagation;

public sealed record PropagationProbe(string Name);

public sealed record PropagationEcho(string Name);

/// <summary>Records the ambient transaction it sees and sends an echo, which should carry the same header.</summary>
public sealed class PropagationProbeConsumer(PropagationRecorder recorder) : IConsumer<PropagationProbe>
{
    public async Task Consume(ConsumeContext<PropagationProbe> context)
    {
        recorder.Seen = TxCoordinator.Participants.Propagation.DistributedTransactionContext.Current?.TransactionId;
        await context.Publish(new PropagationEcho(context.Message.Name), context.CancellationToken);
    }
}

public sealed class PropagationRecorder
{
    public Guid? Seen { get; set; }
}
