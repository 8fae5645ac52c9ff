using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using TxCoordinator.Bench.Cli;
using TxCoordinator.Bench.Workload;
using TxCoordinator.Samples.LoadRunner;

namespace TxCoordinator.Bench.Chain;

/// <summary>
/// Peer e, one process of it: the samples' topology with no coordinator. <c>orders</c> answers <c>POST /orders</c> by
/// calling <c>inventory</c> and then <c>payments</c> over HTTP, as the Orders sample does; each of those does the
/// sample's statements in a local transaction and commits it; a refused charge gives the stock back. Nothing is
/// atomic and nothing is durable across a crash in between: it measures what the services and their HTTP calls cost
/// before any coordination, the share of an order no coordinator can save.
/// </summary>
public static class ChainServer
{
    public static async Task<int> RunAsync(BenchOptions options, TextWriter report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var role = options.Role!;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ["--urls", options.Urls!.AbsoluteUri.TrimEnd('/')] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        await using var app = role == "orders" ? BuildOrders(builder, options) : await BuildParticipantAsync(builder, options, role, cancellationToken);
        app.MapGet("/health/ready", () => Results.Ok());
        return await ServerLifetime.RunUntilStoppedAsync(app, report, $"chain {role} ready at {options.Urls}", cancellationToken);
    }

    private static async Task<WebApplication> BuildParticipantAsync(
        WebApplicationBuilder builder, BenchOptions options, string role, CancellationToken cancellationToken)
    {
        // The samples' pool settings (Participants.Sdk's PooledSessionDefaults): no DISCARD ALL per use, statements
        // prepared once per connection.
        var settings = new NpgsqlConnectionStringBuilder(options.Db!) { NoResetOnClose = true, MaxAutoPrepare = 32 };
        await using (var probe = NpgsqlDataSource.Create(options.Db!))
        {
            await Connectivity.EnsureDatabaseAsync(probe, "--db", cancellationToken);
        }

        // Made by the container, so disposed with it.
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(settings.ConnectionString));
        var app = builder.Build();
        if (role == "inventory")
        {
            app.MapPost("/reservations", ReserveAsync);
            app.MapPost("/reservations/release", ReleaseAsync);
        }
        else
        {
            app.MapPost("/charges", ChargeAsync);
        }

        return app;
    }

    private static WebApplication BuildOrders(WebApplicationBuilder builder, BenchOptions options)
    {
        builder.Services.AddHttpClient("inventory", http => http.BaseAddress = options.InventoryUrl);
        builder.Services.AddHttpClient("payments", http => http.BaseAddress = options.PaymentsUrl);
        var app = builder.Build();
        app.MapPost("/orders", PlaceAsync);
        return app;
    }

    private static async Task<IResult> PlaceAsync(OrderRequestBody order, IHttpClientFactory clients, CancellationToken cancellationToken)
    {
        var inventory = clients.CreateClient("inventory");
        var reservation = new ChainReservation(order.OrderId, order.Sku, order.Quantity);
        var refusal = await CallAsync(inventory, "reservations", reservation, cancellationToken);
        if (refusal is null)
        {
            refusal = await CallAsync(clients.CreateClient("payments"), "charges",
                new ChainCharge(order.OrderId, order.CustomerId, order.Amount, order.CardNumber), cancellationToken);
            if (refusal is not null && await CallAsync(inventory, "reservations/release", reservation, cancellationToken) is { } failed)
            {
                return Results.Problem(statusCode: 503, title: "Inventory unavailable", detail: "could not give the stock back: " + failed);
            }
        }

        return Results.Ok(new ChainOrderResult(order.OrderId, refusal is null ? "Committed" : "Aborted", refusal));
    }

    /// <summary>Null when the service accepted; the reason when it refused.</summary>
    /// <exception cref="HttpRequestException">The service failed (anything but 200 or a business refusal).</exception>
    private static async Task<string?> CallAsync(HttpClient http, string path, object body, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(path, body, cancellationToken);
        return response.StatusCode switch
        {
            HttpStatusCode.OK => null,
            HttpStatusCode.Conflict or HttpStatusCode.PaymentRequired => await response.Content.ReadAsStringAsync(cancellationToken),
            _ => throw new HttpRequestException($"{http.BaseAddress}{path} answered {(int)response.StatusCode}"),
        };
    }

    private static async Task<IResult> ReserveAsync(ChainReservation request, NpgsqlDataSource db, CancellationToken cancellationToken) =>
        await OrderSql.InLocalTransactionAsync(db, (connection, transaction) => OrderSql.ReserveAsync(
                connection, transaction, request.OrderId, request.Sku, request.Quantity, request.OrderId, cancellationToken), cancellationToken)
            ? Results.Ok()
            : Results.Problem(statusCode: 409, title: "Out of stock");

    private static async Task<IResult> ReleaseAsync(ChainReservation request, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await OrderSql.InLocalTransactionAsync(db, async (connection, transaction) =>
        {
            await OrderSql.ReleaseAsync(connection, transaction, request.OrderId, request.Sku, request.Quantity, cancellationToken);
            return true;
        }, cancellationToken);
        return Results.Ok();
    }

    private static async Task<IResult> ChargeAsync(ChainCharge request, NpgsqlDataSource db, CancellationToken cancellationToken) =>
        await OrderSql.InLocalTransactionAsync(db, (connection, transaction) => OrderSql.ChargeAsync(
                connection, transaction, request.OrderId, request.CustomerId, request.Amount, request.CardNumber, request.OrderId, cancellationToken),
            cancellationToken)
            ? Results.Ok()
            : Results.Problem(statusCode: 402, title: "Charge refused");
}
