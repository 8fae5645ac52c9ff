using MassTransit;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Diagnostics;

namespace TxCoordinator.Participants.Messaging;

/// <summary>
/// Commits gathered by the coordinator into one message: each is committed and acknowledged as if it had come alone.
/// They run at once (PostgreSQL flushes concurrent <c>COMMIT PREPARED</c>s together), but through
/// <see cref="GatheredCommitSlots"/>: all gathered Commits together hold at most
/// <see cref="Participation.ParticipantOptions.ConcurrentMessageLimit"/> database connections, as that many single
/// messages would. Unbounded, they ran the benchmark's eight participants out of PostgreSQL connections; one at a
/// time, out of prepared transactions, their Commits falling behind. One malformed Commit rejects the whole message
/// before any is applied, so that the error queue holds it as it came; a failed one fails the message, and its
/// redelivery commits again only what is still prepared (the others answer from their records).
/// </summary>
internal sealed class CommitTransactionsConsumer(
    ParticipantProtocol protocol, MessageGuard guard, CoordinatorReplier replier, GatheredCommitSlots slots)
    : IConsumer<CommitTransactions>
{
    /// <summary>The coordinator sends at most 256; a larger batch is not one of ours.</summary>
    public const int MaxBatch = 1_024;

    public async Task Consume(ConsumeContext<CommitTransactions> context)
    {
        var commits = context.Message.Commits;
        guard.EnsureBatch(context, commits, MaxBatch);
        foreach (var gathered in commits)
        {
            // A missing Commit is rejected as one without a transaction id.
            guard.EnsureValid(context, gathered.Commit?.TransactionId ?? Guid.Empty, gathered.Commit?.ParticipantId);
        }

        await Task.WhenAll(commits.Select(gathered => CommitAsync(context, gathered)));
    }

    private async Task CommitAsync(ConsumeContext context, GatheredCommit gathered)
    {
        var (transactionId, participantId, onePhase) = gathered.Commit;
        CompletionResult result;
        await slots.WaitAsync(context.CancellationToken);
        try
        {
            using var activity = ParticipantsDiagnostics.StartGatheredCommit(gathered.TraceParent, transactionId, participantId);
            result = await protocol.CommitAsync(transactionId, onePhase, context.CancellationToken);
        }
        finally
        {
            slots.Release();
        }

        await replier.AcknowledgeAsync(context, new ParticipantCompleted(transactionId, participantId, result.Outcome, result.Reason));
    }
}
