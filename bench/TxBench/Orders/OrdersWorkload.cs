using System.Net;
using System.Net.Http.Json;
using TxCoordinator.Bench.Measurement;
using TxCoordinator.Bench.Workload;
using TxCoordinator.Samples.LoadRunner;

namespace TxCoordinator.Bench.Orders;

/// <summary>
/// Peer d: the order through TxCoordinator, as a user sees it: <c>POST /orders</c> to the Orders sample, which begins
/// a transaction, calls Inventory and Payments over HTTP and commits (the body is the load runner's). Peer e (chain)
/// sends the same requests to the chain's orders process, which answers in the same shape.
/// </summary>
public sealed class OrdersWorkload(HttpClient http, Uri ordersUrl, OrderStream orders, string peer) : IBenchWorkload
{
    private readonly Uri _endpoint = new(ordersUrl, "orders");

    public string Peer => peer;

    public async Task<OpOutcome> ExecuteAsync(long sequence, CancellationToken cancellationToken = default)
    {
        var plan = orders[sequence];
        var body = OrderRequestBody.Of(plan);
        using var response = await http.PostAsJsonAsync(_endpoint, body, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException($"HTTP {(int)response.StatusCode}: {(text.Length > 200 ? text[..200] : text)}");
        }

        var answer = await response.Content.ReadFromJsonAsync<OrderAnswer>(cancellationToken);
        return answer?.Outcome switch
        {
            "Committed" => OpOutcome.Committed,
            "Aborted" => OpOutcome.Aborted,
            _ => OpOutcome.Failed,
        };
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed record OrderAnswer(string? Outcome, string? Reason);
}
