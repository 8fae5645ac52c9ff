namespace TxCoordinator.Participants.Initiator;

/// <summary>
/// The commit of <see cref="TransactionId"/> was asked for and no coordinator could say what was decided. The
/// transaction is not lost: the coordinator finishes it either way (its timeout aborts it if nothing was decided), and
/// <c>GET /transactions/{id}</c> tells the outcome once a coordinator answers.
/// </summary>
public sealed class TransactionOutcomeUnknownException(Guid transactionId, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public Guid TransactionId { get; } = transactionId;
}
