using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.StateMachine;

namespace TxCoordinator.Coordinator.Api;

/// <summary>Turns the engine's exceptions and malformed requests into application/problem+json answers.</summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
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
            BadHttpRequestException e => new ProblemDetails
            {
                Status = e.StatusCode, Title = "Malformed request", Detail = e.Message,
            },
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }
}
