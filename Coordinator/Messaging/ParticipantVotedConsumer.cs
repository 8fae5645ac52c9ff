using MassTransit;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Diagnostics;
using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Messaging;

internal sealed class ParticipantVotedConsumer(
    TransactionEngine engine, LeaderMessageForwarder forwarder, ILogger<ParticipantVotedConsumer> logger)
    : IConsumer<ParticipantVoted>
{
    public async Task Consume(ConsumeContext<ParticipantVoted> context)
    {
        var vote = context.Message;
        MessageValidation.EnsureValid(context, vote.TransactionId, vote.ParticipantId, logger);
        MessageValidation.EnsureDefined(context, vote.Vote, "vote", logger);
        using var scope = LogMessages.TransactionScope(logger, vote.TransactionId);
        await forwarder.HandleOrForwardAsync(context, vote.TransactionId, () => engine.RecordVoteAsync(vote, context.CancellationToken));
    }
}
