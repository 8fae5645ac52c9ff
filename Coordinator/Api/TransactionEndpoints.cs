using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Api;

/// <summary>The HTTP API initiators and participants use. Errors are mapped to problem+json by <see cref="ProblemExceptionHandler"/>.</summary>
internal static class TransactionEndpoints
{
    public static IEndpointRouteBuilder MapTransactionEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/transactions").WithTags("Transactions");

        group.MapPost("/", async (BeginTransactionRequest? request, TransactionEngine engine, CancellationToken cancellationToken) =>
        {
            var timeout = request?.TimeoutSeconds switch
            {
                null => (TimeSpan?)null,
                var s when double.IsFinite(s.Value) && s.Value > 0 && s.Value <= TimeSpan.MaxValue.TotalSeconds => TimeSpan.FromSeconds(s.Value),
                _ => throw new InvalidTransactionRequestException("timeoutSeconds", "timeoutSeconds must be a positive number."),
            };
            var view = await engine.BeginAsync(timeout, request?.Metadata, cancellationToken);
            return Results.Created($"/transactions/{view.Id}", view);
        })
        .WithName("BeginTransaction")
        .Produces<TransactionView>(StatusCodes.Status201Created)
        .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/{id:guid}", (Guid id, TransactionEngine engine, CancellationToken cancellationToken) =>
            engine.GetAsync(id, cancellationToken))
        .WithName("GetTransaction")
        .Produces<TransactionView>()
        .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id:guid}/participants", (Guid id, EnlistRequest request, TransactionEngine engine, CancellationToken cancellationToken) =>
            engine.EnlistAsync(id, request.ParticipantId, request.Endpoint, cancellationToken))
        .WithName("EnlistParticipant")
        .Produces<TransactionView>()
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/{id:guid}/commit", (Guid id, TransactionEngine engine, CancellationToken cancellationToken) =>
            engine.CommitAsync(id, cancellationToken))
        .WithName("CommitTransaction")
        .Produces<OutcomeView>()
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        group.MapPost("/{id:guid}/abort", (Guid id, AbortRequest? request, TransactionEngine engine, CancellationToken cancellationToken) =>
            engine.AbortAsync(id, request?.Reason, cancellationToken))
        .WithName("AbortTransaction")
        .Produces<OutcomeView>()
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        // A malformed id is a bad request, not an unknown route.
        group.MapMethods("/{id}/{**rest}", ["GET", "POST"], (string id) =>
            Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid transaction id",
                detail: $"'{id}' is not a transaction id (a GUID is expected)."));
        group.MapGet("/{id}", (string id) =>
            Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid transaction id",
                detail: $"'{id}' is not a transaction id (a GUID is expected)."));
        return app;
    }
}
