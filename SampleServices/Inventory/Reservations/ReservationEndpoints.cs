using Npgsql;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Participation;
using TxCoordinator.Participants.Propagation;
using TxCoordinator.Samples.Inventory.Diagnostics;

namespace TxCoordinator.Samples.Inventory.Reservations;

/// <summary><c>POST /reservations</c>: takes stock for an order inside the caller's distributed transaction.</summary>
public static class ReservationEndpoints
{
    public static IEndpointRouteBuilder MapReservations(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/reservations", ReserveAsync);
        return app;
    }

    private static async Task<IResult> ReserveAsync(
        ReservationRequest request, ITransactionParticipant participant, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (DistributedTransactionContext.Current is not { } transaction)
        {
            return Results.Problem(statusCode: 400, title: "Missing transaction",
                detail: "The Txc-Transaction-Id header is required: reservations are made inside a distributed transaction.");
        }

        var errors = request.Validate();
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        var logger = loggers.CreateLogger(typeof(ReservationEndpoints));
        var transactionId = transaction.TransactionId;
        try
        {
            await using var work = await participant.EnlistAsync(transactionId, cancellationToken);
            var refusal = await TakeStockAsync(work, request, cancellationToken);
            if (refusal is not null)
            {
                LogMessages.Refused(logger, request.OrderId, transactionId, refusal.Value.Reason);
                await work.FailAsync(refusal.Value.Reason, cancellationToken);
                return Results.Problem(statusCode: 409, title: refusal.Value.Title, detail: refusal.Value.Reason);
            }

            await work.CompleteAsync(cancellationToken);
            LogMessages.Reserved(logger, request.OrderId, request.Quantity, request.Sku!, transactionId);
            return Results.Ok(new ReservationResponse(request.OrderId, transactionId, request.Sku!, request.Quantity));
        }
        catch (TransactionNotActiveException ex)
        {
            return Results.Problem(statusCode: 409, title: "Transaction not active", detail: ex.Message);
        }
        catch (Exception ex) when (ex is NpgsqlException or CoordinatorUnavailableException or ParticipantBusyException
                                       or TransactionCoordinatorException or WorkNotPreparedException)
        {
            LogMessages.InfrastructureFailure(logger, request.OrderId, transactionId, ex);
            return Results.Problem(statusCode: 503, title: "Inventory unavailable", detail: ex.Message);
        }
    }

    private static async Task<(string Title, string Reason)?> TakeStockAsync(
        ParticipantWork work, ReservationRequest request, CancellationToken cancellationToken)
    {
        await using (var take = work.CreateCommand(
            "UPDATE stock SET quantity = quantity - @q WHERE sku = @sku AND quantity >= @q"))
        {
            take.Parameters.AddWithValue("q", request.Quantity);
            take.Parameters.AddWithValue("sku", request.Sku!);
            if (await take.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return ("Out of stock", "out of stock");
            }
        }

        await using var reserve = work.CreateCommand(
            "INSERT INTO reservations (order_id, transaction_id, sku, quantity) VALUES (@order, @tx, @sku, @q) ON CONFLICT (order_id) DO NOTHING");
        reserve.Parameters.AddWithValue("order", request.OrderId);
        reserve.Parameters.AddWithValue("tx", work.TransactionId);
        reserve.Parameters.AddWithValue("sku", request.Sku!);
        reserve.Parameters.AddWithValue("q", request.Quantity);
        return await reserve.ExecuteNonQueryAsync(cancellationToken) == 0
            ? ("Duplicate reservation", $"order {request.OrderId} already has a reservation")
            : null;
    }
}
