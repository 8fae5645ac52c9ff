using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Testcontainers.RabbitMq;

namespace TxCoordinator.TestInfrastructure;

/// <summary>
/// A RabbitMQ broker from <see cref="EnvironmentVariable"/> or a Testcontainers container (one per test process), with
/// helpers to inspect and reset queues, e.g. the <c>_error</c> queues MassTransit moves failed messages to.
/// Tests sharing a broker should use their own queue names.
/// </summary>
public sealed class RabbitMqServer : IAsyncLifetime
{
    /// <summary>amqp:// URI of a running broker, e.g. amqp://guest:guest@127.0.0.1:5672/.</summary>
    public const string EnvironmentVariable = "TXC_TEST_RABBITMQ";

    private const ushort NotFound = 404;

    private static readonly SharedServer Shared = new("RabbitMQ", EnvironmentVariable, Normalize, StartContainerAsync);

    private readonly SemaphoreSlim _connectionLock = new(1, 1);
    private Uri? _uri;
    private IConnection? _connection;

    /// <summary>Why tests that need RabbitMQ must skip; null when the broker is available.</summary>
    public string? SkipReason { get; private set; } = "RabbitMqServer.InitializeAsync has not run.";

    /// <summary>The broker's amqp URI.</summary>
    /// <exception cref="InvalidOperationException">The broker is not available (see <see cref="SkipReason"/>).</exception>
    public Uri Uri => _uri ?? throw new InvalidOperationException(SkipReason);

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var resolution = await Shared.ResolveAsync(cancellationToken);
        if (resolution.Address is null)
        {
            SkipReason = resolution.SkipReason;
            return;
        }

        _uri = new Uri(resolution.Address);
        try
        {
            await ConnectionAsync(cancellationToken);
        }
        catch (BrokerUnreachableException ex)
        {
            _uri = null;
            throw new InvalidOperationException($"RabbitMQ at '{Describe(new Uri(resolution.Address))}' does not answer: {ex.Message}", ex);
        }

        SkipReason = null;
    }

    /// <summary>Skips the current test when the broker is not available; returns its URI.</summary>
    public Uri RequireAvailable()
    {
        Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");
        return Uri;
    }

    /// <summary>Declares a durable classic queue (no-op when it exists with the same arguments).</summary>
    public Task DeclareQueueAsync(string queue, CancellationToken cancellationToken = default) =>
        WithChannelAsync(channel => channel.QueueDeclareAsync(
            queue, durable: true, exclusive: false, autoDelete: false, arguments: null, cancellationToken: cancellationToken), cancellationToken);

    /// <summary>Removes every ready message of <paramref name="queue"/>; returns how many. A missing queue has none.</summary>
    public async Task<uint> PurgeQueueAsync(string queue, CancellationToken cancellationToken = default)
    {
        try
        {
            return await WithChannelAsync(channel => channel.QueuePurgeAsync(queue, cancellationToken), cancellationToken);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == NotFound)
        {
            return 0;
        }
    }

    /// <summary>Deletes <paramref name="queue"/> with its messages; deleting a missing queue is not an error.</summary>
    public Task DeleteQueueAsync(string queue, CancellationToken cancellationToken = default) =>
        WithChannelAsync(channel => channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false, cancellationToken: cancellationToken), cancellationToken);

    /// <summary>Ready messages in <paramref name="queue"/>; 0 when it does not exist (error queues appear lazily).</summary>
    public async Task<uint> MessageCountAsync(string queue, CancellationToken cancellationToken = default)
    {
        try
        {
            var declared = await WithChannelAsync(channel => channel.QueueDeclarePassiveAsync(queue, cancellationToken), cancellationToken);
            return declared.MessageCount;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == NotFound)
        {
            return 0;
        }
    }

    /// <summary>Whether <paramref name="queue"/> exists.</summary>
    public async Task<bool> QueueExistsAsync(string queue, CancellationToken cancellationToken = default)
    {
        try
        {
            await WithChannelAsync(channel => channel.QueueDeclarePassiveAsync(queue, cancellationToken), cancellationToken);
            return true;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == NotFound)
        {
            return false;
        }
    }

    /// <summary>
    /// Puts <paramref name="body"/> into <paramref name="queue"/> as is (default exchange, persistent), bypassing any
    /// serializer, and waits for the broker's confirm: tests use it to send bytes no well-behaved client would.
    /// </summary>
    /// <param name="contentType">The AMQP content-type property; none when null.</param>
    /// <param name="messageId">The AMQP message-id property; none when null.</param>
    /// <exception cref="PublishReturnException">No queue of that name exists (the message was returned unroutable).</exception>
    public async Task PublishRawAsync(
        string queue, ReadOnlyMemory<byte> body, string? contentType = null, string? messageId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        var connection = await ConnectionAsync(cancellationToken);
        var confirmed = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);
        await using var channel = await connection.CreateChannelAsync(confirmed, cancellationToken);
        var properties = new BasicProperties
        {
            ContentType = contentType,
            MessageId = messageId,
            DeliveryMode = DeliveryModes.Persistent,
        };
        await channel.BasicPublishAsync(exchange: "", routingKey: queue, mandatory: true, properties, body, cancellationToken);
    }

    /// <summary>
    /// Reads up to <paramref name="max"/> ready messages of <paramref name="queue"/> without removing them: they are
    /// fetched unacknowledged and go back to the queue when the channel closes. A missing queue has none.
    /// </summary>
    public async Task<IReadOnlyList<QueuedMessage>> PeekAsync(string queue, int max = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        try
        {
            return await WithChannelAsync(async channel =>
            {
                var messages = new List<QueuedMessage>();
                while (messages.Count < max && await channel.BasicGetAsync(queue, autoAck: false, cancellationToken) is { } message)
                {
                    messages.Add(QueuedMessage.From(message));
                }

                return (IReadOnlyList<QueuedMessage>)messages;
            }, cancellationToken);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == NotFound)
        {
            return [];
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.CloseAsync();
            await _connection.DisposeAsync();
            _connection = null;
        }

        _connectionLock.Dispose();
    }

    // A fresh channel per call: a 404 closes the channel it happened on.
    private async Task<T> WithChannelAsync<T>(Func<IChannel, Task<T>> action, CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        return await action(channel);
    }

    private async Task<IConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        await _connectionLock.WaitAsync(cancellationToken);
        try
        {
            if (_connection is { IsOpen: true })
            {
                return _connection;
            }

            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }

            var factory = new ConnectionFactory
            {
                Uri = Uri,
                ClientProvidedName = "txc-test-infrastructure",
                RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
            };
            _connection = await factory.CreateConnectionAsync(cancellationToken);
            return _connection;
        }
        finally
        {
            _connectionLock.Release();
        }
    }

    private static string Normalize(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "amqp" or "amqps"
            ? uri.ToString()
            : throw new InvalidOperationException($"{EnvironmentVariable} must be an amqp:// or amqps:// URI, not '{value}'.");

    private static async Task<(string Address, IAsyncDisposable Container)> StartContainerAsync(CancellationToken cancellationToken)
    {
        var container = new RabbitMqBuilder("rabbitmq:3.10").Build();
        try
        {
            await container.StartAsync(cancellationToken);
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }

        return (container.GetConnectionString(), container);
    }

    private static string Describe(Uri uri) => $"{uri.Host}:{uri.Port}";
}
