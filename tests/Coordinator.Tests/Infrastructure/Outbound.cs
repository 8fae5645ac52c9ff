using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Tests.Infrastructure;

/// <summary>The messages the protocol is expected to put in the outbox, addressed to the participant's queue.</summary>
internal static class Outbound
{
    public static OutboundMessage Prepare(TransactionRecord tx, string participantId) =>
        new(tx.Id, participantId, Transactions.EndpointOf(participantId), new PrepareTransaction(tx.Id, participantId, tx.Deadline));

    public static OutboundMessage Commit(TransactionRecord tx, string participantId, bool onePhase = false) =>
        new(tx.Id, participantId, Transactions.EndpointOf(participantId), new CommitTransaction(tx.Id, participantId, onePhase));

    public static OutboundMessage Abort(TransactionRecord tx, string participantId, string reason) =>
        new(tx.Id, participantId, Transactions.EndpointOf(participantId), new AbortTransaction(tx.Id, participantId, reason));
}
