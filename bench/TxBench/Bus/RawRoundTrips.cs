using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using TxCoordinator.Bench.Measurement;

namespace TxCoordinator.Bench.Bus;

/// <summary>
/// Peer b with RabbitMQ.Client directly: a responder consuming a durable queue answers on the requester's exclusive
/// reply queue, matched by correlation id; persistent messages and publisher confirms on both sides. The two sides
/// use separate connections, as two processes would.
/// </summary>
public sealed class RawRoundTrips : IBenchWorkload
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _waiting = new();
    private readonly List<IAsyncDisposable> _resources = [];
    private IChannel _requests = null!;
    private string _queue = "";
    private string _replyQueue = "";

    public string Peer => "bus-raw";

    public static async Task<RawRoundTrips> StartAsync(Uri rabbitMq, int concurrency, CancellationToken cancellationToken = default)
    {
        var trips = new RawRoundTrips { _queue = "txbench-raw-ping-" + Guid.NewGuid().ToString("N")[..8] };
        try
        {
            await trips.StartResponderAsync(rabbitMq, concurrency, cancellationToken);
            await trips.StartRequesterAsync(rabbitMq, concurrency, cancellationToken);
            return trips;
        }
        catch
        {
            await trips.DisposeAsync();
            throw;
        }
    }

    public async Task<OpOutcome> ExecuteAsync(long sequence, CancellationToken cancellationToken = default)
    {
        var correlation = sequence.ToString(CultureInfo.InvariantCulture);
        var reply = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[correlation] = reply;
        try
        {
            var body = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(body, sequence);
            var properties = new BasicProperties
            {
                CorrelationId = correlation,
                ReplyTo = _replyQueue,
                DeliveryMode = DeliveryModes.Persistent,
            };
            await _requests.BasicPublishAsync("", _queue, true, properties, body, cancellationToken);
            var answer = await reply.Task.WaitAsync(Timeout, cancellationToken);
            return answer == sequence ? OpOutcome.Committed : OpOutcome.Failed;
        }
        finally
        {
            _waiting.TryRemove(correlation, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _resources.Count - 1; i >= 0; i--)
        {
            await _resources[i].DisposeAsync();
        }

        _resources.Clear();
    }

    private async Task StartResponderAsync(Uri rabbitMq, int concurrency, CancellationToken cancellationToken)
    {
        var connection = await new ConnectionFactory { Uri = rabbitMq, ClientProvidedName = "txbench-raw-responder" }
            .CreateConnectionAsync(cancellationToken);
        _resources.Add(connection);
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(true, true, consumerDispatchConcurrency: (ushort)Math.Clamp(concurrency, 1, 512)), cancellationToken);
        _resources.Add(channel);
        await channel.QueueDeclareAsync(_queue, durable: true, exclusive: false, autoDelete: true, arguments: null,
            cancellationToken: cancellationToken);
        await channel.BasicQosAsync(0, (ushort)Math.Clamp(concurrency * 2, 16, 1024), false, cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var properties = new BasicProperties
            {
                CorrelationId = delivery.BasicProperties.CorrelationId,
                DeliveryMode = DeliveryModes.Persistent,
            };
            await channel.BasicPublishAsync("", delivery.BasicProperties.ReplyTo!, false, properties, delivery.Body, CancellationToken.None);
            await channel.BasicAckAsync(delivery.DeliveryTag, false, CancellationToken.None);
        };
        await channel.BasicConsumeAsync(_queue, autoAck: false, consumer, cancellationToken);
    }

    private async Task StartRequesterAsync(Uri rabbitMq, int concurrency, CancellationToken cancellationToken)
    {
        var connection = await new ConnectionFactory { Uri = rabbitMq, ClientProvidedName = "txbench-raw-requester" }
            .CreateConnectionAsync(cancellationToken);
        _resources.Add(connection);
        _requests = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), cancellationToken);
        _resources.Add(_requests);
        var replies = await connection.CreateChannelAsync(
            new CreateChannelOptions(false, false, consumerDispatchConcurrency: (ushort)Math.Clamp(concurrency, 1, 512)), cancellationToken);
        _resources.Add(replies);
        _replyQueue = (await replies.QueueDeclareAsync(cancellationToken: cancellationToken)).QueueName;
        var consumer = new AsyncEventingBasicConsumer(replies);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            if (delivery.BasicProperties.CorrelationId is { } correlation && _waiting.TryGetValue(correlation, out var waiter))
            {
                waiter.TrySetResult(BinaryPrimitives.ReadInt64LittleEndian(delivery.Body.Span));
            }

            return Task.CompletedTask;
        };
        await replies.BasicConsumeAsync(_replyQueue, autoAck: true, consumer, cancellationToken);
    }
}
