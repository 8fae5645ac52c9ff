using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using TxCoordinator.Contracts;
using TxContext = TxCoordinator.Participants.Propagation.DistributedTransactionContext;

namespace TxCoordinator.Participants.Sdk.Tests.Propagation;

public sealed class TransactionPropagationBusTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UseTransactionPropagation_PublishInsideTransaction_ConsumerSeesItAndItsMessagesCarryIt()
    {
        await using var provider = Bus();
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var id = Guid.NewGuid();

        using (TxContext.Begin(id))
        {
            await harness.Bus.Publish(new PropagationProbe("a"), Ct);
        }

        Assert.True(await harness.Consumed.Any<PropagationProbe>(Ct));
        Assert.True(await harness.Published.Any<PropagationEcho>(Ct));
        Assert.Equal(id, provider.GetRequiredService<PropagationRecorder>().Seen);
        var echo = harness.Published.Select<PropagationEcho>(Ct).First();
        Assert.Equal(id.ToString(), echo.Context.Headers.Get<string>(TransactionHeaders.TransactionId));
    }

    [Fact]
    public async Task UseTransactionPropagation_NoTransaction_ConsumerSeesNone()
    {
        await using var provider = Bus();
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        provider.GetRequiredService<PropagationRecorder>().Seen = Guid.NewGuid();

        await harness.Bus.Publish(new PropagationProbe("b"), Ct);

        Assert.True(await harness.Consumed.Any<PropagationProbe>(Ct));
        Assert.Null(provider.GetRequiredService<PropagationRecorder>().Seen);
    }

    /// <summary>An in-memory bus with the propagation filters and the probe's consumer, which records what it saw.</summary>
    private static ServiceProvider Bus() => new ServiceCollection()
        .AddSingleton<PropagationRecorder>()
        .AddMassTransitTestHarness(x =>
        {
            x.AddConsumer<PropagationProbeConsumer>();
            x.UsingInMemory((context, cfg) =>
            {
                cfg.UseTransactionPropagation();
                cfg.ConfigureEndpoints(context);
            });
        })
        .BuildServiceProvider(true);
}
