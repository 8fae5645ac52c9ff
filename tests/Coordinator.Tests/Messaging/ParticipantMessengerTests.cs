using System.Diagnostics;
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
    public async Task Commits_ToOneQueueAtOnce_LeaveGatheredEachExactlyOnce()
    {
        await using var provider = Build(_ => { });
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var ids = Enumerable.Range(0, 50).Select(_ => Guid.NewGuid()).ToList();

        await Task.WhenAll(ids.Select(id => SendCommitAsync(provider, id)));

        var sent = await SentCommitsAsync(harness, ids.Count);
        Assert.Equal(ids.Order(), sent.Select(c => c.TransactionId).Order());
        Assert.True(await harness.Sent.Any<CommitTransactions>(Ct));
        var gathered = harness.Sent.Select<CommitTransactions>(Ct).First().Context;
        Assert.Equal("txc-participant-inventory", gathered.DestinationAddress!.AbsolutePath.Trim('/'));
        Assert.False(gathered.Durable);
    }

    [Fact]
    public async Task Commits_GatherCommitsOff_EachIsAMessageOfItsOwn()
    {
        await using var provider = Build(_ => { }, o => o.GatherCommits = false);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var ids = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToList();

        await Task.WhenAll(ids.Select(id => SendCommitAsync(provider, id)));

        var sent = await SentCommitsAsync(harness, ids.Count);
        Assert.Equal(ids.Order(), sent.Select(c => c.TransactionId).Order());
        Assert.False(await harness.Sent.Any<CommitTransactions>(Ct));
    }

    [Fact]
    public async Task Commits_Gathered_CarryTheTraceOfTheirDecision()
    {
        using var source = new ActivitySource("ParticipantMessengerTests");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await using var provider = Build(_ => { });
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var spans = new Dictionary<Guid, string>();
        var sends = new List<Task>();
        for (var i = 0; i < 50; i++)
        {
            var id = Guid.NewGuid();
            using var decision = source.StartActivity("decision")!;
            spans[id] = decision.Id!;
            sends.Add(SendCommitAsync(provider, id));
        }

        await Task.WhenAll(sends);

        await SentCommitsAsync(harness, spans.Count);
        var gathered = harness.Sent.Select<CommitTransactions>(Ct).SelectMany(m => m.Context.Message.Commits).ToList();
        Assert.NotEmpty(gathered);
        Assert.All(gathered, g => Assert.Equal(spans[g.Commit.TransactionId], g.TraceParent));
    }

    private static Task SendCommitAsync(ServiceProvider provider, Guid tx) =>
        provider.GetRequiredService<ParticipantMessenger>().SendAsync(
            [new OutboundMessage(tx, "inventory", "txc-participant-inventory", new CommitTransaction(tx, "inventory", OnePhase: false))], Ct);

    /// <summary>Every Commit the harness saw leave, alone or gathered, once <paramref name="expected"/> have.</summary>
    private static async Task<List<CommitTransaction>> SentCommitsAsync(ITestHarness harness, int expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var sent = harness.Sent.Select<CommitTransaction>(Ct).Select(m => m.Context.Message)
                .Concat(harness.Sent.Select<CommitTransactions>(Ct).SelectMany(m => m.Context.Message.Commits.Select(g => g.Commit)))
                .ToList();
            if (sent.Count >= expected || DateTime.UtcNow > deadline)
            {
                return sent;
            }

            await Task.Delay(20, Ct);
        }
    }

    private static ServiceProvider Build(Action<ClusterOptions> cluster, Action<CoordinatorOptions>? configure = null) => new ServiceCollection()
        .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
        .Configure<CoordinatorOptions>(o =>
        {
            o.QueueName = "txc-coordinator";
            configure?.Invoke(o);
        })
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
