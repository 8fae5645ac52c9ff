using System.Net.Http.Json;
using Npgsql;
using TxCoordinator.Bench.Chain;
using TxCoordinator.Bench.Cli;
using TxCoordinator.Bench.Workload;
using TxCoordinator.Samples.LoadRunner;
using TxCoordinator.TestInfrastructure;

namespace TxCoordinator.Bench.Tests.Chain;

/// <summary>Peer e's three processes, hosted here: an order commits or aborts as the samples' would.</summary>
public sealed class ChainServerTests : IAsyncLifetime
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private readonly PostgresServer _postgres = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => _postgres.InitializeAsync();

    public ValueTask DisposeAsync() => _postgres.DisposeAsync();

    [Fact]
    public async Task Orders_CommitOrAbort_AndARefusedChargeGivesTheStockBack()
    {
        _postgres.RequireAvailable();
        var inventoryDb = await _postgres.CreateDatabaseAsync("chain_inventory", Ct);
        var paymentsDb = await _postgres.CreateDatabaseAsync("chain_payments", Ct);
        await using var inventory = NpgsqlDataSource.Create(inventoryDb);
        await using var payments = NpgsqlDataSource.Create(paymentsDb);
        var stream = await OrderStream.SeedAsync(inventory, payments, seed: 1, TimeProvider.System, TextWriter.Null, Ct);
        var plans = Enumerable.Range(0, 500).Select(i => stream[i]).ToList();

        var urls = Enumerable.Range(0, 3).Select(_ => new Uri($"http://127.0.0.1:{FreePort.Next()}")).ToArray();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        Task<int>[] servers =
        [
            Serve(stop.Token, "--role", "inventory", "--db", inventoryDb, "--urls", urls[0].AbsoluteUri),
            Serve(stop.Token, "--role", "payments", "--db", paymentsDb, "--urls", urls[1].AbsoluteUri),
            Serve(stop.Token, "--role", "orders", "--inventory-url", urls[0].AbsoluteUri, "--payments-url", urls[1].AbsoluteUri,
                "--urls", urls[2].AbsoluteUri),
        ];
        using var http = new HttpClient { BaseAddress = urls[2], Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            foreach (var url in urls)
            {
                await WaitReadyAsync(http, url, servers);
            }

            var normal = plans.First(p => p.Kind == OrderKind.Normal);
            var stockBefore = await StockAsync(inventory, normal.Sku);
            Assert.Equal("Committed", await PlaceAsync(http, normal));
            Assert.Equal(stockBefore - normal.Quantity, await StockAsync(inventory, normal.Sku));
            Assert.Equal(1L, await CountAsync(inventory, "reservations", normal.OrderId));
            Assert.Equal(1L, await CountAsync(payments, "charges", normal.OrderId));

            var declined = plans.First(p => p.Kind == OrderKind.DeclinedCard);
            stockBefore = await StockAsync(inventory, declined.Sku);
            Assert.Equal("Aborted", await PlaceAsync(http, declined));
            Assert.Equal(stockBefore, await StockAsync(inventory, declined.Sku));
            Assert.Equal(0L, await CountAsync(inventory, "reservations", declined.OrderId));
            Assert.Equal(0L, await CountAsync(payments, "charges", declined.OrderId));

            var soldOut = plans.First(p => p.Kind == OrderKind.SoldOut);
            Assert.Equal("Aborted", await PlaceAsync(http, soldOut));
            Assert.Equal(0L, await CountAsync(inventory, "reservations", soldOut.OrderId));
        }
        finally
        {
            await stop.CancelAsync();
            Assert.All(await Task.WhenAll(servers).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None), code => Assert.Equal(0, code));
        }
    }

    private static Task<int> Serve(CancellationToken cancellationToken, params string[] args) =>
        Task.Run(() => ChainServer.RunAsync(BenchOptions.Parse(["chain-serve", .. args]), TextWriter.Null, cancellationToken), cancellationToken);

    private static async Task WaitReadyAsync(HttpClient http, Uri url, Task<int>[] servers)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (true)
        {
            Assert.DoesNotContain(servers, s => s.IsFaulted);
            try
            {
                using var response = await http.GetAsync(new Uri(url, "health/ready"), Ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"{url} was not ready within {ReadyTimeout.TotalSeconds} s");
            await Task.Delay(100, Ct);
        }
    }

    private static async Task<string?> PlaceAsync(HttpClient http, OrderPlan plan)
    {
        using var response = await http.PostAsJsonAsync("orders", OrderRequestBody.Of(plan), Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ChainOrderResult>(Ct))?.Outcome;
    }

    private static async Task<int> StockAsync(NpgsqlDataSource inventory, string sku)
    {
        await using var command = inventory.CreateCommand("SELECT quantity FROM stock WHERE sku = @sku");
        command.Parameters.AddWithValue("sku", sku);
        return (int)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task<long> CountAsync(NpgsqlDataSource database, string table, Guid orderId)
    {
        await using var command = database.CreateCommand($"SELECT count(*) FROM {table} WHERE order_id = @order");
        command.Parameters.AddWithValue("order", orderId);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}
