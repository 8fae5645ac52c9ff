using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Api;

/// <summary>The HTTP API initiators and participants use. Errors are mapped to problem+json by <see cref="ProblemExceptionHandler"/>.</summary>
/// <remarks>
/// The id is taken as text and parsed here rather than with a <c>{id:guid}</c> route constraint: a constraint makes
/// a malformed id an unknown route (404), and a catch-all route to answer it instead would also take every request
/// whose content type the real endpoint does not accept, e.g. an abort without a body.
/// </remarks>
internal static class TransactionEndpoints
{
    /// <summary>Just under <see cref="TimeSpan.MaxValue"/> in seconds, far above any allowed timeout.</summary>
    private const double LargestTimeoutSeconds = 9e11;

    public static IEndpointRouteBuilder MapTransactionEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/transactions").WithTags("Transactions");

        group.MapPost("/", async (BeginTransactionRequest? request, TransactionEngine engine, CancellationToken cancellationToken) =>
        {
            // Values a TimeSpan cannot hold are out of range anyway: clamp them so that the engine refuses every bad
            // timeout with the same message, which names the limits.
            var timeout = request?.TimeoutSeconds switch
            {
                null => (TimeSpan?)null,
                <= 0 or double.NaN => TimeSpan.Zero,
                > LargestTimeoutSeconds => TimeSpan.MaxValue,
                var s => TimeSpan.FromSeconds(s.Value),
            };
            var view = await engine.BeginAsync(timeout, request?.Metadata, cancellationToken);
            return Results.Created($"/transactions/{view.Id}", view);
        })
        .WithName("BeginTransaction")
        .Produces<TransactionView>(StatusCodes.Status201Created)
        .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/{id}", (string id, TransactionEngine engine, CancellationToken cancellationToken) =>
            engine.GetAsync(TransactionIds.Parse(id), cancellationToken))
        .WithName("GetTransaction")
        .Produces<TransactionView>()
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id}/participants", (string id, EnlistRequest request, TransactionEngine engine, CancellationToken cancellationToken) =>
            engine.EnlistAsync(TransactionIds.Parse(id), request.ParticipantId, request.Endpoint, request.Vote, cancellationToken))
        .WithName("EnlistParticipant")
        .Produces<TransactionView>()
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/{id}/commit", (string id, TransactionEngine engine, CancellationToken cancellationToken) =>
            engine.CommitAsync(TransactionIds.Parse(id), cancellationToken))
        .WithName("CommitTransaction")
        .Produces<OutcomeView>()
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        group.MapPost("/{id}/abort", (string id, AbortRequest? request, TransactionEngine engine, CancellationToken cancellationToken) =>
            engine.AbortAsync(TransactionIds.Parse(id), request?.Reason, cancellationToken))
        .WithName("AbortTransaction")
        .Produces<OutcomeView>()
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }
}
