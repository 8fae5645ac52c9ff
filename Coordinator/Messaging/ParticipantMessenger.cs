using MassTransit;
using Microsoft.Extensions.Options;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Diagnostics;
using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Messaging;

/// <summary>Sends Prepare/Commit/Abort to participants' queues, and publishes announcements to all of them.</summary>
/// <remarks>
/// A failed send is logged, not thrown: it happens after the state change is durable, and the supervisor resends
/// every unanswered message with backoff, so the caller's request must not fail for it.
/// </remarks>
internal sealed class ParticipantMessenger(
    IBus bus, IOptions<CoordinatorOptions> options, IOptions<ClusterOptions> cluster, ILogger<ParticipantMessenger> logger)
{
    // A replica asks for the answers on its own queue: they reach the leader that sent the request directly instead
    // of whichever replica takes them from the shared queue (two replicas in three, which then forward them: 2.7
    // extra bus messages per two-participant transaction). After a failover the new leader resends what is
    // unanswered, with its own queue; the old leader, once back, forwards what waited on its queue.
    private readonly Uri? _replyTo = cluster.Value.Enabled
        ? new Uri("queue:" + QueueNames.ForReplica(options.Value.QueueName, cluster.Value.ReplicaId!))
        : null;

    public Task SendAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken = default) => messages.Count switch
    {
        0 => Task.CompletedTask,
        1 => SendOneAsync(messages[0], cancellationToken),
        _ => Task.WhenAll(messages.Select(m => SendOneAsync(m, cancellationToken))),
    };

    private async Task SendOneAsync(OutboundMessage outbound, CancellationToken cancellationToken)
    {
        try
        {
            var header = outbound.TransactionId.ToString();
            if (outbound.IsAnnouncement)
            {
                // Best effort: a participant that misses it resolves its branch from recovery, as before.
                await (outbound.Message switch
                {
                    TransactionAbortAnnounced m => bus.Publish(m, Pipe.Execute<PublishContext>(c =>
                    {
                        c.Headers.Set(TransactionHeaders.TransactionId, header);
                        c.Durable = false;
                    }), cancellationToken),
                    _ => throw new InvalidOperationException($"Unexpected announcement type {outbound.Message.GetType()}."),
                });
                return;
            }

            var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{outbound.Endpoint}"));
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
            if (outbound.IsAnnouncement)
            {
                LogMessages.AnnouncementFailed(logger, outbound.Message.GetType().Name, outbound.TransactionId, ex);
            }
            else
            {
                LogMessages.SendFailed(logger, outbound.Message.GetType().Name, outbound.ParticipantId, outbound.TransactionId, ex);
            }
        }
    }
}
