namespace TxCoordinator.Participants.Participation;

/// <summary>
/// Work completed with <see cref="ParticipantOptions.VoteOnComplete"/> could not be prepared (its vote is No): it was
/// rolled back, and the participant did not enlist. The initiator should abort the transaction.
/// </summary>
public sealed class WorkNotPreparedException(Guid transactionId, string reason)
    : Exception($"The work on transaction {transactionId} could not be prepared and was rolled back: {reason}.")
{
    public Guid TransactionId { get; } = transactionId;

    public string Reason { get; } = reason;
}
