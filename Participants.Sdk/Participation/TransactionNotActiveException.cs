using System.Net;

namespace TxCoordinator.Participants.Participation;

/// <summary>The coordinator refused the enlistment: the transaction is unknown (404) or no longer active (409).</summary>
public sealed class TransactionNotActiveException : Exception
{
    public TransactionNotActiveException(Guid transactionId, HttpStatusCode statusCode, string? detail, Exception? innerException = null)
        : base(
            $"Transaction {transactionId} cannot be joined: " +
            (statusCode == HttpStatusCode.NotFound ? "the coordinator does not know it" : "it is no longer active") +
            (string.IsNullOrWhiteSpace(detail) ? "." : $" ({detail})."),
            innerException)
    {
        TransactionId = transactionId;
        StatusCode = statusCode;
    }

    public Guid TransactionId { get; }

    /// <summary>404 (unknown transaction) or 409 (no longer active).</summary>
    public HttpStatusCode StatusCode { get; }
}
