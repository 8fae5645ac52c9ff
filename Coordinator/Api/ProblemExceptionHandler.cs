using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.StateMachine;

namespace TxCoordinator.Coordinator.Api;

/// <summary>Turns the engine's exceptions and malformed requests into application/problem+json answers.</summary>
internal sealed class ProblemExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            TransactionNotFoundException e => new ProblemDetails
            {
                Status = StatusCodes.Status404NotFound, Title = "Transaction not found", Detail = e.Message,
                Extensions = { ["transactionId"] = e.TransactionId },
            },
            TransactionConflictException e => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict, Title = "Transaction state conflict", Detail = e.Message,
                Extensions = { ["transactionId"] = e.TransactionId, ["state"] = e.State.ToString(), ["abortReason"] = e.AbortReason },
            },
            IllegalTransitionException e => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict, Title = "Transaction state conflict", Detail = e.Message,
                Extensions = { ["transactionId"] = e.TransactionId, ["state"] = e.From.ToString() },
            },
            CoordinatorUnavailableException e => new ProblemDetails
            {
                // Retryable: the SDK's client moves on to the next replica.
                Status = StatusCodes.Status503ServiceUnavailable, Title = "Coordinator replica cannot decide now", Detail = e.Message,
            },
            OutcomePendingException e => new ProblemDetails
            {
                Status = StatusCodes.Status504GatewayTimeout, Title = "Outcome not known yet", Detail = e.Message,
                Extensions = { ["transactionId"] = e.TransactionId, ["state"] = e.State.ToString() },
            },
            InvalidTransactionRequestException e => new ProblemDetails
            {
                Status = StatusCodes.Status400BadRequest, Title = "Invalid request", Detail = e.Message,
                Extensions = { ["field"] = e.Field },
            },
            BadHttpRequestException e => FromBadRequest(e, httpContext.Request),
            _ when TransientDatabaseFailure.Is(exception) => new ProblemDetails
            {
                // Found by the chaos run: during a PostgreSQL restart every call answered 500, which the SDK's client
                // takes as final instead of trying again.
                Status = StatusCodes.Status503ServiceUnavailable, Title = "Coordinator database unavailable",
                Detail = "The replica's database is unreachable for the moment; try again or another replica.",
            },
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        // Written as problem+json whatever the request's Accept header says: the problem details service alone
        // writes nothing for e.g. Accept: text/html, and the answer then became an empty 500.
        await TypedResults.Problem(problem).ExecuteAsync(httpContext);
        return true;
    }

    /// <summary>
    /// What minimal APIs throw for a body they cannot bind (ThrowOnBadRequest is on): the default message names
    /// the C# parameter, not what is wrong with the request, so the reason is taken from the cause.
    /// </summary>
    private static ProblemDetails FromBadRequest(BadHttpRequestException exception, HttpRequest request) => exception switch
    {
        { InnerException: JsonException json } => new ProblemDetails
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "Malformed JSON body",
            Detail = $"The request body is not valid JSON for this request: {json.Message}",
            Extensions = { ["path"] = json.Path ?? "$" },
        },
        { StatusCode: StatusCodes.Status400BadRequest, InnerException: null } when !HasBody(request) => new ProblemDetails
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "Missing request body",
            Detail = $"A JSON body is required for {request.Method} {request.Path}.",
        },
        _ => new ProblemDetails
        {
            Status = exception.StatusCode,
            Title = ReasonPhrases.GetReasonPhrase(exception.StatusCode) is { Length: > 0 } phrase ? phrase : "Malformed request",
            Detail = exception.Message,
        },
    };

    private static bool HasBody(HttpRequest request) =>
        request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? request.ContentLength > 0;
}
