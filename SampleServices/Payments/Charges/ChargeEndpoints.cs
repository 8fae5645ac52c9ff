using Npgsql;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Participation;
using TxCoordinator.Participants.Propagation;
using TxCoordinator.Samples.Payments.Diagnostics;

namespace TxCoordinator.Samples.Payments.Charges;

/// <summary><c>POST /charges</c>: debits a customer's wallet for an order inside the caller's distributed transaction.</summary>
public static class ChargeEndpoints
{
    public static IEndpointRouteBuilder MapCharges(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/charges", ChargeAsync);
        return app;
    }

    private static async Task<IResult> ChargeAsync(
        ChargeRequest request, ITransactionParticipant participant, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (DistributedTransactionContext.Current is not { } transaction)
        {
            return Results.Problem(statusCode: 400, title: "Missing transaction",
                detail: "The Txc-Transaction-Id header is required: charges are made inside a distributed transaction.");
        }

        var errors = request.Validate();
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        var logger = loggers.CreateLogger(typeof(ChargeEndpoints));
        var transactionId = transaction.TransactionId;
        try
        {
            await using var work = await participant.EnlistAsync(transactionId, cancellationToken);
            var refusal = await DebitAsync(work, request, cancellationToken);
            if (refusal is not null)
            {
                LogMessages.Refused(logger, request.OrderId, transactionId, refusal.Reason);
                await work.FailAsync(refusal.Reason, cancellationToken);
                return Results.Problem(statusCode: refusal.StatusCode, title: refusal.Title, detail: refusal.Reason);
            }

            await work.CompleteAsync(cancellationToken);
            LogMessages.Charged(logger, request.OrderId, request.Amount, request.CustomerId!, transactionId);
            return Results.Ok(new ChargeResponse(request.OrderId, transactionId, request.CustomerId!, request.Amount));
        }
        catch (TransactionNotActiveException ex)
        {
            return Results.Problem(statusCode: 409, title: "Transaction not active", detail: ex.Message);
        }
        catch (Exception ex) when (ex is NpgsqlException or CoordinatorUnavailableException or ParticipantBusyException
                                       or TransactionCoordinatorException or WorkNotPreparedException)
        {
            LogMessages.InfrastructureFailure(logger, request.OrderId, transactionId, ex);
            return Results.Problem(statusCode: 503, title: "Payments unavailable", detail: ex.Message);
        }
    }

    private static async Task<ChargeRefusal?> DebitAsync(ParticipantWork work, ChargeRequest request, CancellationToken cancellationToken)
    {
        if (request.CardNumber == ChargeRequest.DeclinedCard)
        {
            return ChargeRefusal.CardDeclined;
        }

        await using (var debit = work.CreateCommand(
            "UPDATE wallets SET balance = balance - @amount WHERE customer_id = @customer AND balance >= @amount"))
        {
            debit.Parameters.AddWithValue("amount", request.Amount);
            debit.Parameters.AddWithValue("customer", request.CustomerId!);
            if (await debit.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                await using var exists = work.CreateCommand("SELECT EXISTS (SELECT 1 FROM wallets WHERE customer_id = @customer)");
                exists.Parameters.AddWithValue("customer", request.CustomerId!);
                return (bool)(await exists.ExecuteScalarAsync(cancellationToken))!
                    ? ChargeRefusal.InsufficientFunds
                    : ChargeRefusal.UnknownCustomer;
            }
        }

        await using var charge = work.CreateCommand(
            "INSERT INTO charges (order_id, transaction_id, customer_id, amount) VALUES (@order, @tx, @customer, @amount) ON CONFLICT (order_id) DO NOTHING");
        charge.Parameters.AddWithValue("order", request.OrderId);
        charge.Parameters.AddWithValue("tx", work.TransactionId);
        charge.Parameters.AddWithValue("customer", request.CustomerId!);
        charge.Parameters.AddWithValue("amount", request.Amount);
        return await charge.ExecuteNonQueryAsync(cancellationToken) == 0 ? ChargeRefusal.Duplicate(request.OrderId) : null;
    }
}
