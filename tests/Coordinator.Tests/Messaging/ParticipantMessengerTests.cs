using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Messaging;

namespace TxCoordinator.Coordinator.Tests.Messaging;

public sealed class ParticipantMessengerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Replica_AsksForTheAnswersOnItsOwnQueue()
    {
        await using var provider = Build(cluster =>
        {
            cluster.ReplicaId = "r2";
            cluster.Members =
            [
                new ClusterMember { Id = "r1", RaftEndPoint = "127.0.0.1:7001", HttpUrl = new Uri("http://127.0.0.1:8001") },
                new ClusterMember { Id = "r2", RaftEndPoint = "127.0.0.1:7002", HttpUrl = new Uri("http://127.0.0.1:8002") },
                new ClusterMember { Id = "r3", RaftEndPoint = "127.0.0.1:7003", HttpUrl = new Uri("http://127.0.0.1:8003") },
            ];
        });

        var sent = await SendPrepareAsync(provider);

        Assert.Equal("txc-coordinator-r2", sent.ResponseAddress!.AbsolutePath.Trim('/'));
        Assert.Equal("txc-participant-inventory", sent.DestinationAddress!.AbsolutePath.Trim('/'));
    }

    [Fact]
    public async Task LoneCoordinator_NamesNoQueue_AnswersGoToTheSharedOne()
    {
        await using var provider = Build(_ => { });

        var sent = await SendPrepareAsync(provider);

        Assert.Null(sent.ResponseAddress);
    }

    [Fact]
    public async Task Messages_AreNotPersistedByTheBroker_TheSupervisorResendsWhatIsLost()
    {
        await using var provider = Build(_ => { });

        var sent = await SendPrepareAsync(provider);

        Assert.False(sent.Durable);
    }

    [Fact]
    public async Task Announcement_IsPublishedToEveryParticipant_NotSentToOneQueue()
    {
        await using var provider = Build(_ => { });
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var tx = Guid.NewGuid();

        await provider.GetRequiredService<ParticipantMessenger>()
            .SendAsync([OutboundMessage.Announcement(tx, new TransactionAbortAnnounced(tx))], Ct);

        Assert.True(await harness.Published.Any<TransactionAbortAnnounced>(m => m.Context.Message.TransactionId == tx, Ct));
        var published = harness.Published.Select<TransactionAbortAnnounced>(Ct).First(m => m.Context.Message.TransactionId == tx).Context;
        Assert.Equal(tx.ToString(), published.Headers.Get<string>(TransactionHeaders.TransactionId));
        Assert.False(published.Durable);
    }

    private static ServiceProvider Build(Action<ClusterOptions> cluster) => new ServiceCollection()
        .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
        .Configure<CoordinatorOptions>(o => o.QueueName = "txc-coordinator")
        .Configure(cluster)
        .AddSingleton<ParticipantMessenger>()
        .AddMassTransitTestHarness(bus => bus.UsingInMemory())
        .BuildServiceProvider(true);

    private static async Task<SendContext> SendPrepareAsync(ServiceProvider provider)
    {
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var tx = Guid.NewGuid();
        var message = new PrepareTransaction(tx, "inventory", DateTimeOffset.UtcNow.AddSeconds(30));
        await provider.GetRequiredService<ParticipantMessenger>()
            .SendAsync([new OutboundMessage(tx, "inventory", "txc-participant-inventory", message)], Ct);

        Assert.True(await harness.Sent.Any<PrepareTransaction>(m => m.Context.Message.TransactionId == tx, Ct));
        return harness.Sent.Select<PrepareTransaction>(Ct).First(m => m.Context.Message.TransactionId == tx).Context;
    }
}
