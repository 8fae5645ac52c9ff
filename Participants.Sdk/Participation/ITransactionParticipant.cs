namespace TxCoordinator.Participants.Participation;

/// <summary>Joins this service's database work to a distributed transaction.</summary>
public interface ITransactionParticipant
{
    /// <summary>
    /// Starts or continues this service's work in <paramref name="transactionId"/>. The first call enlists with the
    /// coordinator and begins a local PostgreSQL transaction; later calls join the same open transaction, one at a time.
    /// </summary>
    /// <exception cref="TransactionNotActiveException">The coordinator does not know the transaction or it is no longer active.</exception>
    /// <exception cref="ParticipantBusyException">Other work on the transaction held it for longer than the lock timeout.</exception>
    /// <exception cref="Client.CoordinatorUnavailableException">No coordinator address answered.</exception>
    Task<ParticipantWork> EnlistAsync(Guid transactionId, CancellationToken cancellationToken = default);
}
