using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TxCoordinator.Bench.Cli;
using TxCoordinator.Bench.Workload;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Participation;
using TxCoordinator.Participants.Propagation;

namespace TxCoordinator.Bench.Participants;

/// <summary>
/// A bench participant, enlisted exactly as the samples are (Participants.Sdk): <c>POST /work</c> stores the request
/// body in its own database inside the caller's distributed transaction; Prepare/Commit arrive over RabbitMQ.
/// </summary>
public static class ParticipantServer
{
    public static async Task<int> RunAsync(BenchOptions options, TextWriter report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using (var dataSource = NpgsqlDataSource.Create(options.Db!))
        {
            await Connectivity.EnsureDatabaseAsync(dataSource, "--db", cancellationToken);
            await SampleSchema.EnsureAsync(dataSource, SampleSchema.PayloadSql, cancellationToken);
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ["--urls", options.Urls!.AbsoluteUri.TrimEnd('/')] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(options.Db!));
        builder.Services.AddTransactionParticipant(o =>
        {
            o.ParticipantId = options.Name!;
            o.ConnectionString = options.Db!;
            o.CoordinatorUrls = [.. options.CoordinatorUrls];
            o.VoteOnComplete = true; // as the samples do
        });
        builder.Services.AddMassTransit(bus =>
        {
            bus.AddTransactionParticipantConsumers();
            bus.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(options.RabbitMq!);
                cfg.UseTransactionPropagation();
                cfg.ConfigureEndpoints(context);
            });
        });

        await using var app = builder.Build();
        app.UseTransactionContext();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapPost("/work", WorkAsync);
        return await ServerLifetime.RunUntilStoppedAsync(app, report, $"participant {options.Name} ready at {options.Urls}", cancellationToken);
    }

    private static async Task<IResult> WorkAsync(HttpRequest request, ITransactionParticipant participant, CancellationToken cancellationToken)
    {
        if (DistributedTransactionContext.Current is not { } transaction)
        {
            return Results.Problem(statusCode: 400, title: "Missing transaction", detail: "The Txc-Transaction-Id header is required.");
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken);
        ParticipantWork work;
        try
        {
            work = await participant.EnlistAsync(transaction.TransactionId, cancellationToken);
        }
        catch (TransactionNotActiveException ex)
        {
            // Timed out or aborted before this request arrived (an overloaded run): the initiator aborts, nothing to log.
            return Results.Problem(statusCode: (int)ex.StatusCode, title: "Transaction not active", detail: ex.Message);
        }

        await using (work)
        {
            await using var insert = work.CreateCommand(
                "INSERT INTO bench_payloads (transaction_id, participant, body) VALUES (@tx, current_database(), @body) ON CONFLICT DO NOTHING");
            insert.Parameters.AddWithValue("tx", transaction.TransactionId);
            insert.Parameters.AddWithValue("body", body.ToArray());
            await insert.ExecuteNonQueryAsync(cancellationToken);
            try
            {
                await work.CompleteAsync(cancellationToken);
            }
            catch (TransactionNotActiveException ex)
            {
                return Results.Problem(statusCode: (int)ex.StatusCode, title: "Transaction not active", detail: ex.Message);
            }
            catch (WorkNotPreparedException ex)
            {
                // The reason in the title: the initiator's report groups refusals by title, and the reason is the cause.
                var reason = ex.Reason.Length > 160 ? ex.Reason[..160] : ex.Reason;
                return Results.Problem(statusCode: 503, title: "Work not prepared: " + reason, detail: ex.Message);
            }
            catch (CoordinatorUnavailableException ex)
            {
                return Results.Problem(statusCode: 503, title: "Coordinator unavailable", detail: ex.Message);
            }
        }

        return Results.Ok();
    }
}
