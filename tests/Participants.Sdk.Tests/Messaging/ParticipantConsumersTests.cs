using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Messaging;
using TxCoordinator.Participants.Participation;
using TxCoordinator.Participants.Sdk.Tests.Infrastructure;

namespace TxCoordinator.Participants.Sdk.Tests.Messaging;

public sealed class ParticipantConsumersTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly Uri ParticipantQueue = new("queue:txc-participant-" + ParticipantHarness.ParticipantId);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(ParticipantHarness Harness, ITestHarness Bus)> StartAsync(Action<ParticipantOptions>? configure = null)
    {
        var harness = await ParticipantHarness.CreateAsync(database.RequireConnectionString(), configure, services: s =>
            s.AddMassTransitTestHarness(x =>
            {
                x.AddTransactionParticipantConsumers();
                x.UsingInMemory((context, cfg) =>
                {
                    cfg.UseTransactionPropagation();
                    cfg.ConfigureEndpoints(context);
                });
            }));
        var bus = harness.Services.GetRequiredService<ITestHarness>();
        await bus.Start();
        return (harness, bus);
    }

    private static async Task SendAsync<T>(ITestHarness bus, T message)
        where T : class
    {
        var endpoint = await bus.Bus.GetSendEndpoint(ParticipantQueue);
        await endpoint.Send(message, Ct);
    }

    [Fact]
    public async Task Commit_TwoWithinTheAcknowledgementWindow_BothAcknowledgedInOneMessage()
    {
        var (harness, bus) = await StartAsync(o => o.AcknowledgementBatchWindow = TimeSpan.FromSeconds(1));
        await using var _ = harness;
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        foreach (var tx in new[] { first, second })
        {
            await harness.DoWorkAsync(tx);
            Assert.Equal(Vote.Yes, (await harness.Protocol.PrepareAsync(tx, Ct)).Vote);
        }

        await SendAsync(bus, new CommitTransaction(first, ParticipantHarness.ParticipantId, OnePhase: false));
        await SendAsync(bus, new CommitTransaction(second, ParticipantHarness.ParticipantId, OnePhase: false));

        Assert.True(await bus.Sent.Any<ParticipantsCompleted>(Ct));
        var batch = bus.Sent.Select<ParticipantsCompleted>(Ct).Single().Context;
        Assert.Equal(new[] { first, second }.Order(), batch.Message.Acknowledgements.Select(a => a.TransactionId).Order());
        Assert.All(batch.Message.Acknowledgements, a => Assert.Equal(ParticipantOutcome.Committed, a.Outcome));
        Assert.Equal("txc-coordinator", batch.DestinationAddress!.AbsolutePath.Trim('/'));
        Assert.False(batch.Durable);
        Assert.False(await bus.Sent.Any<ParticipantCompleted>(Ct));
    }

    [Fact]
    public async Task Prepare_ThenCommit_SendsVoteYesAndCommittedAcknowledgementToCoordinatorQueue()
    {
        var (harness, bus) = await StartAsync();
        await using var _ = harness;
        var tx = Guid.NewGuid();
        var item = await harness.DoWorkAsync(tx);

        await SendAsync(bus, new PrepareTransaction(tx, ParticipantHarness.ParticipantId, DateTimeOffset.UtcNow.AddSeconds(30)));
        Assert.True(await bus.Sent.Any<ParticipantVoted>(m => m.Context.Message.TransactionId == tx, Ct));
        await SendAsync(bus, new CommitTransaction(tx, ParticipantHarness.ParticipantId, OnePhase: false));
        Assert.True(await bus.Sent.Any<ParticipantCompleted>(m => m.Context.Message.TransactionId == tx, Ct));

        var vote = bus.Sent.Select<ParticipantVoted>(Ct).First(m => m.Context.Message.TransactionId == tx).Context;
        var ack = bus.Sent.Select<ParticipantCompleted>(Ct).First(m => m.Context.Message.TransactionId == tx).Context;
        Assert.Equal(Vote.Yes, vote.Message.Vote);
        Assert.Equal(ParticipantHarness.ParticipantId, vote.Message.ParticipantId);
        Assert.Equal("txc-coordinator", vote.DestinationAddress!.AbsolutePath.Trim('/'));
        Assert.Equal(tx.ToString(), vote.Headers.Get<string>(TransactionHeaders.TransactionId));
        Assert.Equal(ParticipantOutcome.Committed, ack.Message.Outcome);
        // Not persisted by the broker: a lost answer is asked for again by the coordinator's resend.
        Assert.False(vote.Durable);
        Assert.False(ack.Durable);
        Assert.True(await harness.ItemExistsAsync(item));
    }

    [Fact]
    public async Task Prepare_ThenCommit_AnswerOnTheQueueTheRequestNames()
    {
        // A replicated coordinator names its own queue: the answers go straight to the leader that asked.
        var (harness, bus) = await StartAsync();
        await using var _ = harness;
        var tx = Guid.NewGuid();
        await harness.DoWorkAsync(tx);
        var replyTo = new Uri("queue:txc-coordinator-r2");
        var endpoint = await bus.Bus.GetSendEndpoint(ParticipantQueue);

        await endpoint.Send(new PrepareTransaction(tx, ParticipantHarness.ParticipantId, DateTimeOffset.UtcNow.AddSeconds(30)),
            Pipe.Execute<SendContext>(c => c.ResponseAddress = replyTo), Ct);
        Assert.True(await bus.Sent.Any<ParticipantVoted>(m => m.Context.Message.TransactionId == tx, Ct));
        await endpoint.Send(new CommitTransaction(tx, ParticipantHarness.ParticipantId, OnePhase: false),
            Pipe.Execute<SendContext>(c => c.ResponseAddress = replyTo), Ct);
        Assert.True(await bus.Sent.Any<ParticipantCompleted>(m => m.Context.Message.TransactionId == tx, Ct));

        var vote = bus.Sent.Select<ParticipantVoted>(Ct).First(m => m.Context.Message.TransactionId == tx).Context;
        var ack = bus.Sent.Select<ParticipantCompleted>(Ct).First(m => m.Context.Message.TransactionId == tx).Context;
        Assert.Equal(Vote.Yes, vote.Message.Vote);
        Assert.Equal("txc-coordinator-r2", vote.DestinationAddress!.AbsolutePath.Trim('/'));
        Assert.Equal("txc-coordinator-r2", ack.DestinationAddress!.AbsolutePath.Trim('/'));
    }

    [Fact]
    public async Task Abort_UnknownTransaction_AcknowledgesAborted()
    {
        var (harness, bus) = await StartAsync();
        await using var _ = harness;
        var tx = Guid.NewGuid();

        await SendAsync(bus, new AbortTransaction(tx, ParticipantHarness.ParticipantId, "timeout"));

        Assert.True(await bus.Sent.Any<ParticipantCompleted>(m => m.Context.Message.TransactionId == tx, Ct));
        Assert.Equal(ParticipantOutcome.Aborted,
            bus.Sent.Select<ParticipantCompleted>(Ct).First(m => m.Context.Message.TransactionId == tx).Context.Message.Outcome);
    }

    [Fact]
    public async Task Prepare_AnotherParticipantsMessage_FaultsWithoutRetryOrVote()
    {
        var (harness, bus) = await StartAsync();
        await using var _ = harness;
        var tx = Guid.NewGuid();

        await SendAsync(bus, new PrepareTransaction(tx, "someone-else", DateTimeOffset.UtcNow));

        Assert.True(await bus.Published.Any<Fault<PrepareTransaction>>(Ct));
        var fault = bus.Published.Select<Fault<PrepareTransaction>>(Ct).First().Context.Message;
        Assert.Equal(typeof(MalformedParticipantMessageException).FullName, fault.Exceptions[0].ExceptionType);
        Assert.False(await bus.Sent.Any<ParticipantVoted>(Ct));
        Assert.Null(await harness.OutcomeAsync(tx));
    }

    [Fact]
    public async Task Commit_EmptyTransactionId_Faults()
    {
        var (harness, bus) = await StartAsync();
        await using var _ = harness;

        await SendAsync(bus, new CommitTransaction(Guid.Empty, ParticipantHarness.ParticipantId, OnePhase: true));

        Assert.True(await bus.Published.Any<Fault<CommitTransaction>>(Ct));
        Assert.False(await bus.Sent.Any<ParticipantCompleted>(Ct));
    }

    [Fact]
    public async Task AbortAnnounced_BranchPreparedHere_AsksTheCoordinatorAndRollsItBackAtOnce()
    {
        // A coordinator that lost this participant's enlistment with its leader cannot send it an Abort; without the
        // announcement the branch, and its locks, would wait for recovery's grace period (10 s, and the clock is fake).
        var (harness, bus) = await StartAsync();
        await using var _ = harness;
        var tx = Guid.NewGuid();
        var item = await harness.DoWorkAsync(tx);
        Assert.Equal(Vote.Yes, (await harness.Protocol.PrepareAsync(tx, Ct)).Vote);
        harness.Coordinator.SetState(tx, TransactionState.Aborted);

        await bus.Bus.Publish(new TransactionAbortAnnounced(tx), Ct);

        Assert.True(await bus.Consumed.Any<TransactionAbortAnnounced>(m => m.Context.Message.TransactionId == tx, Ct));
        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.Equal("aborted", await harness.OutcomeAsync(tx));
        Assert.False(await harness.ItemExistsAsync(item));
        Assert.False(await bus.Sent.Any<ParticipantCompleted>(Ct)); // an announcement is not answered
    }

    [Fact]
    public async Task AbortAnnounced_CoordinatorSaysStillActive_LeavesTheBranchPrepared()
    {
        // The announcement only makes the participant ask: what the coordinator answers decides.
        var (harness, bus) = await StartAsync();
        await using var _ = harness;
        var tx = Guid.NewGuid();
        await harness.DoWorkAsync(tx);
        Assert.Equal(Vote.Yes, (await harness.Protocol.PrepareAsync(tx, Ct)).Vote);
        harness.Coordinator.SetState(tx, TransactionState.Active);

        await bus.Bus.Publish(new TransactionAbortAnnounced(tx), Ct);

        Assert.True(await bus.Consumed.Any<TransactionAbortAnnounced>(m => m.Context.Message.TransactionId == tx, Ct));
        Assert.Equal(1, await harness.PreparedCountAsync(tx));
        Assert.Null(await harness.OutcomeAsync(tx));
    }

    [Fact]
    public async Task AbortAnnounced_OpenWorkHere_RollsItBackBeforeItsDeadline()
    {
        // Open work waits for a Prepare that an aborted transaction never sends; without the announcement it holds its
        // rows until the reaper, after the deadline.
        var (harness, bus) = await StartAsync();
        await using var _ = harness;
        var tx = Guid.NewGuid();
        await harness.DoWorkAsync(tx);
        harness.Coordinator.SetState(tx, TransactionState.Aborted);

        await bus.Bus.Publish(new TransactionAbortAnnounced(tx), Ct);

        Assert.True(await bus.Consumed.Any<TransactionAbortAnnounced>(m => m.Context.Message.TransactionId == tx, Ct));
        Assert.Equal("aborted", await harness.OutcomeAsync(tx));
        Assert.Equal(Vote.No, (await harness.Protocol.PrepareAsync(tx, Ct)).Vote);
    }

    [Fact]
    public async Task AbortAnnounced_OpenWorkOfATransactionStillActive_IsLeftForItsPrepare()
    {
        var (harness, bus) = await StartAsync();
        await using var _ = harness;
        var tx = Guid.NewGuid();
        var item = await harness.DoWorkAsync(tx);
        harness.Coordinator.SetState(tx, TransactionState.Active);

        await bus.Bus.Publish(new TransactionAbortAnnounced(tx), Ct);

        Assert.True(await bus.Consumed.Any<TransactionAbortAnnounced>(m => m.Context.Message.TransactionId == tx, Ct));
        Assert.Null(await harness.OutcomeAsync(tx));
        Assert.Equal(Vote.Yes, (await harness.Protocol.PrepareAsync(tx, Ct)).Vote);
        Assert.Equal(ParticipantOutcome.Committed, (await harness.Protocol.CommitAsync(tx, onePhase: false, Ct)).Outcome);
        Assert.True(await harness.ItemExistsAsync(item));
    }

    [Fact]
    public async Task AbortAnnounced_NothingPreparedHere_WritesNothing()
    {
        // Every participant hears every announcement: one that holds no branch must not leave a barrier row for it.
        var (harness, bus) = await StartAsync();
        await using var _ = harness;
        var tx = Guid.NewGuid();
        harness.Coordinator.SetState(tx, TransactionState.Aborted);

        await bus.Bus.Publish(new TransactionAbortAnnounced(tx), Ct);

        Assert.True(await bus.Consumed.Any<TransactionAbortAnnounced>(m => m.Context.Message.TransactionId == tx, Ct));
        Assert.False(await bus.Published.Any<Fault<TransactionAbortAnnounced>>(Ct));
        Assert.Null(await harness.OutcomeAsync(tx));
    }

    [Fact]
    public async Task AbortAnnounced_EmptyTransactionId_Faults()
    {
        var (harness, bus) = await StartAsync();
        await using var _ = harness;

        await bus.Bus.Publish(new TransactionAbortAnnounced(Guid.Empty), Ct);

        Assert.True(await bus.Published.Any<Fault<TransactionAbortAnnounced>>(Ct));
        var fault = bus.Published.Select<Fault<TransactionAbortAnnounced>>(Ct).First().Context.Message;
        Assert.Equal(typeof(MalformedParticipantMessageException).FullName, fault.Exceptions[0].ExceptionType);
    }
}
