using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using TxCoordinator.Contracts;

namespace TxCoordinator.IntegrationTests.Stack;

/// <summary>
/// A participant played by the test itself over the real broker: it votes as told and acknowledges phase two only
/// when allowed, so a test can hold a transaction in exactly the phase it wants to break.
/// </summary>
public sealed class FakeParticipant : IAsyncDisposable
{
    private readonly IBusControl _bus;
    private readonly ConcurrentQueue<object> _received = new();
    private readonly ConcurrentQueue<Uri?> _responseAddresses = new();

    private FakeParticipant(string participantId, IBusControl bus)
    {
        ParticipantId = participantId;
        _bus = bus;
    }

    public string ParticipantId { get; }

    public string Endpoint => $"txc-participant-{ParticipantId}";

    public Vote VoteToCast { get; set; } = Vote.Yes;

    /// <summary>While false, Prepare is recorded but not answered (as if the participant were still working).</summary>
    public bool AnswerPrepare { get; set; } = true;

    /// <summary>While false, Commit/Abort are recorded but not acknowledged (as if the participant were slow).</summary>
    public bool Acknowledge { get; set; } = true;

    public IReadOnlyCollection<object> Received => _received;

    /// <summary>The response address of every Prepare, Commit and Abort received (this fake answers the shared queue).</summary>
    public IReadOnlyCollection<Uri?> ResponseAddresses => _responseAddresses;

    public int Count<T>() => _received.OfType<T>().Count();

    public static async Task<FakeParticipant> StartAsync(Uri rabbitMq, string coordinatorQueue, CancellationToken cancellationToken = default)
    {
        var participantId = "fake-" + Guid.NewGuid().ToString("N")[..8];
        FakeParticipant? self = null;
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(rabbitMq);
            cfg.ReceiveEndpoint($"txc-participant-{participantId}", e =>
            {
                e.Handler<PrepareTransaction>(async ctx =>
                {
                    self!._received.Enqueue(ctx.Message);
                    self._responseAddresses.Enqueue(ctx.ResponseAddress);
                    if (!self.AnswerPrepare)
                    {
                        return;
                    }

                    var reply = await ctx.GetSendEndpoint(new Uri($"queue:{coordinatorQueue}"));
                    await reply.Send(new ParticipantVoted(ctx.Message.TransactionId, participantId, self.VoteToCast, "fake vote"));
                });
                e.Handler<CommitTransaction>(ctx => self!.AnswerPhaseTwo(ctx, ctx.Message.TransactionId, ParticipantOutcome.Committed, coordinatorQueue));
                e.Handler<AbortTransaction>(ctx => self!.AnswerPhaseTwo(ctx, ctx.Message.TransactionId, ParticipantOutcome.Aborted, coordinatorQueue));
            });
        });
        self = new FakeParticipant(participantId, bus);
        await bus.StartAsync(cancellationToken);
        return self;
    }

    private async Task AnswerPhaseTwo<T>(ConsumeContext<T> ctx, Guid transactionId, ParticipantOutcome outcome, string coordinatorQueue)
        where T : class
    {
        _received.Enqueue(ctx.Message);
        _responseAddresses.Enqueue(ctx.ResponseAddress);
        if (!Acknowledge)
        {
            return;
        }

        var reply = await ctx.GetSendEndpoint(new Uri($"queue:{coordinatorQueue}"));
        await reply.Send(new ParticipantCompleted(transactionId, ParticipantId, outcome, null));
    }

    /// <summary>Sends a protocol message straight to a participant's queue, bypassing the coordinator.</summary>
    public async Task SendToAsync<T>(string endpoint, T message, CancellationToken cancellationToken = default)
        where T : class
    {
        var target = await _bus.GetSendEndpoint(new Uri($"queue:{endpoint}"));
        await target.Send(message, cancellationToken);
    }

    public async ValueTask DisposeAsync() => await _bus.StopAsync(CancellationToken.None);
}
