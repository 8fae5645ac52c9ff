using MassTransit;
using Microsoft.Extensions.Options;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Diagnostics;
using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Messaging;

/// <summary>
/// Every replica consumes the shared queue (participants do not know who leads), but only the leader decides: a
/// follower sends each vote or acknowledgement on to the leader's own queue. With no leader known the consumer
/// fails and the endpoint's bounded retry waits for the election; a message lost even so is asked for again by the
/// next leader, which resends every unanswered Prepare, Commit and Abort.
/// </summary>
internal sealed class LeaderMessageForwarder(
    IDecisionLog log, IServiceProvider services, IOptions<CoordinatorOptions> options, ILogger<LeaderMessageForwarder> logger)
{
    public async Task HandleOrForwardAsync<T>(ConsumeContext<T> context, Guid transactionId, Func<Task> handle)
        where T : class
    {
        if (log.IsDeciding)
        {
            try
            {
                await handle();
                return;
            }
            catch (CoordinatorUnavailableException)
            {
                // Deposed while handling it: the new leader must have it.
            }
        }

        var replica = services.GetService<RaftReplica>();
        if (replica?.Leader is not { Id: { } leaderId } || leaderId == replica.Options.ReplicaId)
        {
            throw new CoordinatorUnavailableException($"No leader to hand {typeof(T).Name} for transaction {transactionId} to yet.");
        }

        var endpoint = await context.GetSendEndpoint(new Uri($"queue:{QueueNames.ForReplica(options.Value.QueueName, leaderId)}"));
        await endpoint.Send(context.Message, context.CancellationToken);
        LogMessages.ForwardedToLeader(logger, typeof(T).Name, transactionId, leaderId);
    }
}
