using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using TxCoordinator.Contracts;
using TxCoordinator.IntegrationTests.Stack;

namespace TxCoordinator.IntegrationTests.Telemetry;

/// <summary>Metrics on /metrics and one trace per order across every process, from the real processes' output.</summary>
[Collection(StackCollection.Name)]
public sealed partial class TelemetryTests(ServiceStack stack)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task PlaceOrder_Committed_CoordinatorMetricsCountIt()
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        var before = await ScrapeAsync(stack.CoordinatorUrl);

        var order = await PlaceOrderAsync();

        await Eventually.HoldsAsync(async () => (await stack.GetAsync(order.TransactionId)).State == TransactionState.Committed, Settle, "transaction completed");
        var after = await ScrapeAsync(stack.CoordinatorUrl);
        Assert.True(Value(after, "txc_transactions_begun_total") >= 1, "txc_transactions_begun_total ≥ 1");
        Assert.True(Value(after, "txc_transactions_begun_total") > Value(before, "txc_transactions_begun_total"), "begun counter incremented");
        Assert.True(Value(after, "txc_transactions_committed_total") > Value(before, "txc_transactions_committed_total"), "committed counter incremented");
        Assert.True(Value(after, "txc_transaction_decision_duration_seconds_count") >= 1, "decision duration recorded");
        Assert.True(Value(after, "txc_transaction_prepare_duration_seconds_count") >= 1, "prepare phase duration recorded");
        Assert.True(Value(after, "txc_participant_vote_duration_seconds_count") >= 2, "both votes' latency recorded");
        Assert.Contains("txc_transactions_in_flight", after);
        Assert.Contains("masstransit_", after);
    }

    [Fact]
    public async Task PlaceOrder_ConsoleExporter_OneTraceSpansOrdersCoordinatorAndParticipants()
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");

        var order = await PlaceOrderAsync();

        var id = order.TransactionId.ToString();
        await Eventually.HoldsAsync(() => Task.FromResult(
            SpansOf("inventory").Any(s => s.Name == "txc.participant.commit" && s.Tags.GetValueOrDefault("txc.transaction.id") == id)
            && SpansOf("payments").Any(s => s.Name == "txc.participant.commit" && s.Tags.GetValueOrDefault("txc.transaction.id") == id)
            && SpansOf(stack.Replicas[0]).Any(s => s.Name == "txc.transaction.acknowledge" && s.Tags.GetValueOrDefault("txc.transaction.id") == id)),
            Settle, "phase two of the order's transaction traced at both participants and the coordinator");

        var commit = Assert.Single(SpansOf(stack.Replicas[0]), s => s.Name == "txc.transaction.commit" && s.Tags.GetValueOrDefault("txc.transaction.id") == id);
        var trace = commit.TraceId;
        Assert.Equal("commit", commit.Tags.GetValueOrDefault("txc.decision"));
        // The initiator's request started the trace: Orders' own spans carry it.
        Assert.Contains(SpansOf("orders"), s => s.TraceId == trace);
        Assert.Contains(SpansOf(stack.Replicas[0]), s => s.TraceId == trace && s.Name == "txc.transaction.begin");
        // A vote slower than the stack's 0.5 s resend delay (a loaded CI machine) gets Prepare resent by the
        // supervisor, whose sweep is a trace of its own: what follows from the resend belongs to that trace.
        var traces = SpansOf(stack.Replicas[0])
            .Where(s => s.Name == "txc.transaction.supervise" && s.Tags.GetValueOrDefault("txc.transaction.id") == id)
            .Select(s => s.TraceId).Append(trace).ToHashSet();
        foreach (var participant in new[] { "inventory", "payments" })
        {
            var spans = SpansOf(participant).Where(s => s.Tags.GetValueOrDefault("txc.transaction.id") == id).ToList();
            Assert.Contains(spans, s => s.Name == "txc.participant.enlist" && s.TraceId == trace);
            Assert.Contains(spans, s => s.Name == "txc.participant.prepare" && s.TraceId == trace && s.Tags.GetValueOrDefault("txc.vote") == "Yes");
            Assert.Contains(spans, s => s.Name == "txc.participant.commit" && traces.Contains(s.TraceId));
        }

        var votes = SpansOf(stack.Replicas[0]).Where(s => s.Name == "txc.transaction.vote" && s.Tags.GetValueOrDefault("txc.transaction.id") == id).ToList();
        Assert.True(votes.Count >= 2, $"both votes traced at the coordinator ({votes.Count} vote spans)");
        Assert.All(votes, v => Assert.Contains(v.TraceId, traces));
        Assert.Contains(votes, v => v.Tags.GetValueOrDefault("txc.decision") == "commit");
    }

    private IReadOnlyList<ConsoleSpan> SpansOf(string process) => ConsoleSpan.Parse(stack.LogsOf(process));

    private async Task<OrderResult> PlaceOrderAsync()
    {
        var sku = "sku-" + Guid.NewGuid().ToString("N")[..10];
        var customer = "cust-" + Guid.NewGuid().ToString("N")[..10];
        await stack.Data.SeedStockAsync(sku, 10);
        await stack.Data.SeedWalletAsync(customer, 100m);
        var response = await stack.Http.PostAsJsonAsync(new Uri(stack.OrdersUrl, "orders"),
            new { orderId = Guid.NewGuid(), customerId = customer, sku, quantity = 1, amount = 5m, cardNumber = "4242424242424242" },
            TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var order = await response.Content.ReadFromJsonAsync<OrderResult>(TestContext.Current.CancellationToken);
        Assert.Equal("Committed", order!.Outcome);
        return order;
    }

    private async Task<string> ScrapeAsync(Uri service)
    {
        using var response = await stack.Http.GetAsync(new Uri(service, "metrics"), TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>The sum of a metric's samples over all its label sets; 0 when absent.</summary>
    private static double Value(string exposition, string metric) =>
        SampleLine().Matches(exposition)
            .Where(m => m.Groups["name"].Value == metric)
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    private sealed record OrderResult(Guid OrderId, Guid TransactionId, string Outcome, string? Reason);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (?<value>[-+0-9.eE]+|NaN)", RegexOptions.Multiline)]
    private static partial Regex SampleLine();
}
