using System.Net;
using TxCoordinator.Contracts;

namespace TxCoordinator.Participants.Client;

/// <summary>The coordinator answered with an error (problem+json): 400, 404, 409 and so on.</summary>
public sealed class TransactionCoordinatorException : Exception
{
    public TransactionCoordinatorException(
        HttpStatusCode statusCode, string? title, string? detail, TransactionState? currentState = null, string? abortReason = null)
        : base($"The coordinator answered {(int)statusCode} {title ?? statusCode.ToString()}" + (detail is null ? "." : $": {detail}"))
    {
        StatusCode = statusCode;
        Title = title;
        Detail = detail;
        CurrentState = currentState;
        AbortReason = abortReason;
    }

    public HttpStatusCode StatusCode { get; }

    public string? Title { get; }

    public string? Detail { get; }

    /// <summary>For 409: the state the transaction is in, when the coordinator said.</summary>
    public TransactionState? CurrentState { get; }

    /// <summary>For 409 on an aborted transaction: why it was aborted, when the coordinator said.</summary>
    public string? AbortReason { get; }
}
