using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Options;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Diagnostics;
using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Messaging;

/// <summary>Sends Prepare/Commit/Abort to participants' queues.</summary>
/// <remarks>
/// A failed send is logged, not thrown: it happens after the state change is durable, and the supervisor resends
/// every unanswered message with backoff, so the caller's request must not fail for it.
/// </remarks>
internal sealed class ParticipantMessenger(
    IBus bus, IOptions<CoordinatorOptions> options, IOptions<ClusterOptions> cluster, ILogger<ParticipantMessenger> logger)
{
    /// <summary>Most Commits in one message; the SDK refuses larger batches.</summary>
    public const int MaxGathered = 256;

    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(5);

    // A replica asks for the answers on its own queue: they reach the leader that sent the request directly instead
    // of whichever replica takes them from the shared queue (two replicas in three, which then forward them: 2.7
    // extra bus messages per two-participant transaction). After a failover the new leader resends what is
    // unanswered, with its own queue; the old leader, once back, forwards what waited on its queue.
    private readonly Uri? _replyTo = cluster.Value.Enabled
        ? new Uri("queue:" + QueueNames.ForReplica(options.Value.QueueName, cluster.Value.ReplicaId!))
        : null;

    private readonly bool _gatherCommits = options.Value.GatherCommits;
    private readonly TimeSpan _gatherWindow = options.Value.CommitGatherWindow;
    private readonly ConcurrentDictionary<string, CommitQueue> _commitQueues = new(StringComparer.Ordinal);

    public Task SendAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken = default) => messages.Count switch
    {
        0 => Task.CompletedTask,
        1 => SendOrGatherAsync(messages[0], cancellationToken),
        _ => Task.WhenAll(messages.Select(m => SendOrGatherAsync(m, cancellationToken))),
    };

    private Task SendOrGatherAsync(OutboundMessage outbound, CancellationToken cancellationToken) =>
        _gatherCommits && outbound.Message is CommitTransaction commit
            ? GatherAsync(outbound, commit, cancellationToken)
            : SendOneAsync(outbound, cancellationToken);

    /// <summary>
    /// Queues the Commit for its participant's queue and waits until it has been sent. The first Commit for an idle
    /// queue starts a sender that waits <see cref="CoordinatorOptions.CommitGatherWindow"/>, then takes whatever waits
    /// each time it sends, until nothing does.
    /// </summary>
    private async Task GatherAsync(OutboundMessage outbound, CommitTransaction commit, CancellationToken cancellationToken)
    {
        var queue = _commitQueues.GetOrAdd(outbound.Endpoint, static endpoint => new CommitQueue(endpoint));
        var pending = new PendingCommit(outbound, commit, Activity.Current);
        bool startSender;
        lock (queue)
        {
            queue.Waiting.Add(pending);
            startSender = !queue.Sending;
            queue.Sending = true;
        }

        if (startSender)
        {
            // Apart from the caller: its request waits only for its own Commit, and its cancellation stops no other's.
            _ = Task.Run(() => SendWaitingAsync(queue), CancellationToken.None);
        }

        try
        {
            await pending.Sent.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException ex)
        {
            LogMessages.SendFailed(logger, nameof(CommitTransaction), outbound.ParticipantId, outbound.TransactionId, ex);
        }
    }

    private async Task SendWaitingAsync(CommitQueue queue)
    {
        if (_gatherWindow > TimeSpan.Zero)
        {
            await Task.Delay(_gatherWindow, CancellationToken.None);
        }

        while (true)
        {
            List<PendingCommit> batch;
            lock (queue)
            {
                if (queue.Waiting.Count == 0)
                {
                    queue.Sending = false;
                    return;
                }

                batch = queue.Waiting.Count <= MaxGathered ? queue.Waiting : queue.Waiting[..MaxGathered];
                queue.Waiting = queue.Waiting.Count <= MaxGathered ? [] : queue.Waiting[MaxGathered..];
            }

            using var timeout = new CancellationTokenSource(SendTimeout);
            if (batch.Count == 1)
            {
                // A Commit alone goes as it always did, in its decision's trace (the caller waits inside that span).
                Activity.Current = batch[0].Origin is { IsStopped: false } origin ? origin : null;
                await SendOneAsync(batch[0].Outbound, timeout.Token);
            }
            else
            {
                Activity.Current = null;
                await SendGatheredAsync(queue.Endpoint, batch, timeout.Token);
            }

            CoordinatorDiagnostics.GatheredCommits.Record(batch.Count);
            foreach (var pending in batch)
            {
                pending.Sent.TrySetResult();
            }
        }
    }

    private async Task SendGatheredAsync(string endpointName, List<PendingCommit> batch, CancellationToken cancellationToken)
    {
        try
        {
            var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{endpointName}"));
            var message = new CommitTransactions([.. batch.Select(p => new GatheredCommit(p.Message, p.Origin?.Id))]);
            await endpoint.Send(message, Pipe.Execute<SendContext>(c =>
            {
                c.ResponseAddress = _replyTo;
                c.Durable = false;
            }), cancellationToken);
        }
        catch (Exception ex)
        {
            foreach (var pending in batch)
            {
                LogMessages.SendFailed(logger, nameof(CommitTransactions), pending.Outbound.ParticipantId, pending.Outbound.TransactionId, ex);
            }
        }
    }

    private async Task SendOneAsync(OutboundMessage outbound, CancellationToken cancellationToken)
    {
        try
        {
            var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{outbound.Endpoint}"));
            var header = outbound.TransactionId.ToString();
            var stamp = Pipe.Execute<SendContext>(c =>
            {
                c.Headers.Set(TransactionHeaders.TransactionId, header);
                c.ResponseAddress = _replyTo;
                // Resent until answered (docs/protocol.md): a message lost with the broker costs a resend, so RabbitMQ
                // need not write it to disk.
                c.Durable = false;
            });
            await (outbound.Message switch
            {
                PrepareTransaction m => endpoint.Send(m, stamp, cancellationToken),
                CommitTransaction m => endpoint.Send(m, stamp, cancellationToken),
                AbortTransaction m => endpoint.Send(m, stamp, cancellationToken),
                _ => throw new InvalidOperationException($"Unexpected message type {outbound.Message.GetType()}."),
            });
        }
        catch (Exception ex)
        {
            LogMessages.SendFailed(logger, outbound.Message.GetType().Name, outbound.ParticipantId, outbound.TransactionId, ex);
        }
    }

    /// <summary>The Commits waiting for one participant queue, and whether a sender is taking them.</summary>
    private sealed class CommitQueue(string endpoint)
    {
        public string Endpoint { get; } = endpoint;

        public List<PendingCommit> Waiting { get; set; } = [];

        public bool Sending { get; set; }
    }

    /// <summary>A Commit waiting to be sent; <see cref="Origin"/> is the span of the decision it carries.</summary>
    private sealed class PendingCommit(OutboundMessage outbound, CommitTransaction message, Activity? origin)
    {
        public OutboundMessage Outbound { get; } = outbound;

        public CommitTransaction Message { get; } = message;

        public Activity? Origin { get; } = origin;

        public TaskCompletionSource Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
