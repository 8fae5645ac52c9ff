using MassTransit;
using TxCoordinator.Bench.Measurement;

namespace TxCoordinator.Bench.Bus;

/// <summary>
/// Peer b with MassTransit: request client to a responder on its own queue (same process, but every message goes
/// through the broker), with persistent messages and publisher confirms, MassTransit's defaults; or transient, as the
/// coordinator and the SDK send their protocol messages (no confirms, not persisted: docs/benchmarks.md, steps 10 and 15).
/// </summary>
public sealed class MassTransitRoundTrips : IBenchWorkload
{
    private static readonly RequestTimeout Timeout = RequestTimeout.After(s: 30);

    private readonly IBusControl _bus;
    private readonly IRequestClient<Ping> _client;
    private readonly bool _transient;

    private MassTransitRoundTrips(IBusControl bus, IRequestClient<Ping> client, bool transient)
    {
        _bus = bus;
        _client = client;
        _transient = transient;
    }

    public string Peer => _transient ? "bus-mt-transient" : "bus-mt";

    public static async Task<MassTransitRoundTrips> StartAsync(
        Uri rabbitMq, int concurrency, bool transient, CancellationToken cancellationToken = default)
    {
        var queue = "txbench-ping-" + Guid.NewGuid().ToString("N")[..8];
        Uri? address = null;
        var bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(rabbitMq, host => host.PublisherConfirmation = !transient);
            // The default prefetch (a few per core) would cap the round trips in flight well below the concurrency.
            cfg.PrefetchCount = Math.Max(16, concurrency * 2);
            cfg.ReceiveEndpoint(queue, e =>
            {
                e.AutoDelete = true;
                // With its query (autodelete=true): a plain queue: address would re-declare the queue durable, and the
                // broker refuses the mismatch.
                address = e.InputAddress;
                e.PrefetchCount = Math.Max(16, concurrency * 2);
                e.ConcurrentMessageLimit = Math.Max(8, concurrency);
                e.Handler<Ping>(context => context.RespondAsync(new Pong(context.Message.Sequence), reply => reply.Durable = !transient));
            });
        });
        await bus.StartAsync(cancellationToken);
        return new MassTransitRoundTrips(bus, bus.CreateRequestClient<Ping>(address!, Timeout), transient);
    }

    public async Task<OpOutcome> ExecuteAsync(long sequence, CancellationToken cancellationToken = default)
    {
        var response = _transient
            ? await _client.GetResponse<Pong>(new Ping(sequence), request => request.UseExecute(c => c.Durable = false), cancellationToken)
            : await _client.GetResponse<Pong>(new Ping(sequence), cancellationToken);
        return response.Message.Sequence == sequence ? OpOutcome.Committed : OpOutcome.Failed;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _bus.StopAsync(timeout.Token);
    }
}
