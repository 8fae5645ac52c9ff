namespace TxCoordinator.Samples.Orders.Ordering;

/// <summary><c>POST /orders</c>.</summary>
public static class OrderEndpoints
{
    public static IEndpointRouteBuilder MapOrders(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/orders", PlaceAsync);
        return app;
    }

    private static async Task<IResult> PlaceAsync(OrderRequest request, OrderProcessor processor, CancellationToken cancellationToken)
    {
        var errors = request.Validate();
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        try
        {
            return Results.Ok(await processor.PlaceAsync(request, cancellationToken));
        }
        catch (OrderUnavailableException ex)
        {
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Order could not be processed", detail: ex.Message,
                extensions: ex.TransactionId is { } id ? new Dictionary<string, object?> { ["transactionId"] = id } : null);
        }
    }
}
