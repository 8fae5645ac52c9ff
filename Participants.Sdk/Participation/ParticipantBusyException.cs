namespace TxCoordinator.Participants.Participation;

/// <summary>Other work on the same transaction held its lock for longer than <see cref="ParticipantOptions.LockTimeout"/>.</summary>
public sealed class ParticipantBusyException : Exception
{
    public ParticipantBusyException(Guid transactionId, TimeSpan waited)
        : base($"Transaction {transactionId} is busy: other work on it did not finish within {waited}.")
    {
        TransactionId = transactionId;
    }

    public Guid TransactionId { get; }
}
