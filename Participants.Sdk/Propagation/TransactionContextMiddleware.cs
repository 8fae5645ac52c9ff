using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Diagnostics;

namespace TxCoordinator.Participants.Propagation;

/// <summary>Makes the request's Txc-Transaction-Id header the ambient <see cref="DistributedTransactionContext"/>; 400 if it is not a GUID.</summary>
internal sealed class TransactionContextMiddleware(RequestDelegate next, ILogger<TransactionContextMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Headers.TryGetValue(TransactionHeaders.TransactionId, out var values) || values.Count == 0)
        {
            await next(context);
            return;
        }

        if (values.Count != 1 || !TransactionHeaderParser.TryParse(values[0], out var transactionId))
        {
            LogMessages.InvalidTransactionHeader(logger, TransactionHeaders.TransactionId);
            await Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid transaction header",
                detail: $"The {TransactionHeaders.TransactionId} header must hold exactly one non-empty GUID.")
                .ExecuteAsync(context);
            return;
        }

        using (DistributedTransactionContext.Begin(transactionId))
        {
            await next(context);
        }
    }
}
