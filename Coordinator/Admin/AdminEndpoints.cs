using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using TxCoordinator.Coordinator.Api;
using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Admin;

/// <summary>
/// The operators' API (used by the <c>txc</c> CLI and the dashboard): lists, summary, one transaction's history,
/// and the heuristic abort. Errors are problem+json, mapped by <see cref="Api.ProblemExceptionHandler"/>; the
/// reference is docs/operations.md.
/// </summary>
internal static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/transactions").WithTags("Admin");

        group.MapGet("/", (
            [FromQuery, Description("One or several states (repeat, or comma-separated): Active, Preparing, Committing, Aborting, Committed, Aborted.")] string[]? state,
            [FromQuery, Description("Only transactions created before now minus this: 30s, 5m, 2h, 1d, 500ms or a TimeSpan (00:05:00).")] string? olderThan,
            [FromQuery, Description("Only transactions this participant enlisted in.")] string? participant,
            [FromQuery, Description("Page size, 1-500 (default 50).")] string? limit,
            [FromQuery, Description("The 'next' cursor of the previous page.")] string? after,
            [FromQuery, Description("asc (oldest first, default) or desc (newest first).")] string? order,
            AdminQueries queries, CancellationToken cancellationToken) =>
                queries.ListAsync(TransactionFilter.Parse(state, olderThan, participant, limit, after, order), cancellationToken))
        .WithName("AdminListTransactions")
        .WithSummary("Lists transactions by state, age and participant, a page at a time (keyset on createdAt, id).")
        .Produces<TransactionPage>()
        .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/summary", (AdminQueries queries, CancellationToken cancellationToken) => queries.SummaryAsync(cancellationToken))
        .WithName("AdminTransactionSummary")
        .WithSummary("Counts by state, unfinished transactions, the oldest one's age, and stuck participants.")
        .Produces<TransactionSummary>();

        group.MapGet("/{id}", (string id, AdminQueries queries, CancellationToken cancellationToken) =>
            queries.DetailAsync(TransactionIds.Parse(id), cancellationToken))
        .WithName("AdminGetTransaction")
        .WithSummary("One transaction with its participants, votes, operator actions and timeline.")
        .Produces<TransactionDetail>()
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id}/heuristic-abort", async (
            string id, HeuristicAbortRequest request, TransactionEngine engine, CancellationToken cancellationToken) =>
        {
            var transactionId = TransactionIds.Parse(id);
            var entry = await engine.HeuristicAbortAsync(transactionId, request.Reason, request.Operator, cancellationToken);
            var view = await engine.GetAsync(transactionId, cancellationToken);
            return new HeuristicAbortResult(transactionId, view.State, view.AbortReason, entry);
        })
        .WithName("AdminHeuristicAbort")
        .WithSummary("Aborts an undecided (Active or Preparing) transaction on an operator's word; refuses (409) once a decision is durable. Audited either way.")
        .Produces<HeuristicAbortResult>()
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }
}
