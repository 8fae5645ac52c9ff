using System.Net.Http.Json;
using TxCoordinator.Contracts;
using TxCoordinator.IntegrationTests.Stack;
using static TxCoordinator.IntegrationTests.Stack.PrometheusScrape;

namespace TxCoordinator.IntegrationTests.Telemetry;

/// <summary>Metrics on /metrics and one trace per order across every process, from the real processes' output.</summary>
[Collection(StackCollection.Name)]
public sealed class TelemetryTests(ServiceStack stack)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task PlaceOrder_Committed_CoordinatorMetricsCountIt()
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        var before = await stack.Http.ScrapeAsync(stack.CoordinatorUrl);

        var order = await PlaceOrderAsync();

        await Eventually.HoldsAsync(async () => (await stack.GetAsync(order.TransactionId)).State == TransactionState.Committed, Settle, "transaction completed");
        var after = await stack.Http.ScrapeAsync(stack.CoordinatorUrl);
        Assert.True(Value(after, "txc_transactions_begun_total") >= 1, "txc_transactions_begun_total ≥ 1");
        Assert.True(Value(after, "txc_transactions_begun_total") > Value(before, "txc_transactions_begun_total"), "begun counter incremented");
        Assert.True(Value(after, "txc_transactions_committed_total") > Value(before, "txc_transactions_committed_total"), "committed counter incremented");
        Assert.True(Value(after, "txc_transaction_decision_duration_seconds_count") >
                    Value(before, "txc_transaction_decision_duration_seconds_count"), "decision duration recorded");
        // The samples' participants vote as they enlist: no Prepare phase (TwoPhaseCommitTests measure one).
        Assert.Equal(Value(before, "txc_transaction_prepare_duration_seconds_count"), Value(after, "txc_transaction_prepare_duration_seconds_count"));
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
            && SpansOf(stack.Replicas[0]).Any(s => s.Name == "txc.transaction.acknowledge" && s.Tags.GetValueOrDefault("txc.transaction.id") == id)
            && SpansOf("orders").Any(s => s.Name == "txc.initiator.run" && s.Tags.GetValueOrDefault("txc.transaction.id") == id)),
            Settle, "the order's transaction traced at Orders, both participants and the coordinator");

        var commit = Assert.Single(SpansOf(stack.Replicas[0]), s => s.Name == "txc.transaction.commit" && s.Tags.GetValueOrDefault("txc.transaction.id") == id);
        var trace = commit.TraceId;
        Assert.Equal("commit", commit.Tags.GetValueOrDefault("txc.decision"));
        // The initiator's request started the trace: Orders' own spans carry it.
        Assert.Contains(SpansOf("orders"), s => s.TraceId == trace);
        // Orders runs the transaction through the SDK's initiator: one span around the begin, the calls and the commit.
        var run = Assert.Single(SpansOf("orders"), s => s.Name == "txc.initiator.run" && s.Tags.GetValueOrDefault("txc.transaction.id") == id);
        Assert.Equal(trace, run.TraceId);
        Assert.Equal("Committed", run.Tags.GetValueOrDefault("txc.outcome"));
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
            // Prepared as the work completed, inside the initiator's request: the unsolicited vote.
            Assert.Contains(spans, s => s.Name == "txc.participant.prepare" && s.TraceId == trace
                && s.Tags.GetValueOrDefault("txc.vote") == "Yes" && s.Tags.GetValueOrDefault("txc.vote.unsolicited") == "true");
            Assert.Contains(spans, s => s.Name == "txc.participant.commit" && traces.Contains(s.TraceId));
        }

        // Each participant enlisted with its vote, in the order's trace; the commit request decided.
        var enlistments = SpansOf(stack.Replicas[0])
            .Where(s => s.Name == "txc.transaction.enlist" && s.Tags.GetValueOrDefault("txc.transaction.id") == id).ToList();
        Assert.Equal(["inventory", "payments"], enlistments.Select(e => e.Tags.GetValueOrDefault("txc.participant.id")).Order());
        Assert.All(enlistments, e => Assert.Equal(trace, e.TraceId));
        Assert.DoesNotContain(SpansOf(stack.Replicas[0]), s => s.Name == "txc.transaction.vote" && s.Tags.GetValueOrDefault("txc.transaction.id") == id);
    }

    [Fact]
    public async Task Participants_ExposeWhatTheyHoldPrepared_OnTheirMetrics()
    {
        // Each recovery pass (every second in this stack) publishes what it left prepared: the stuck-branch gauges.
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        foreach (var (service, participant) in new[] { (stack.InventoryUrl, "inventory"), (stack.PaymentsUrl, "payments") })
        {
            await Eventually.HoldsAsync(async () =>
            {
                var lines = (await stack.Http.ScrapeAsync(service)).Split('\n');
                return new[] { "txc_participant_prepared{", "txc_participant_prepared_oldest_age_seconds{" }.All(metric => lines.Any(line =>
                    line.StartsWith(metric, StringComparison.Ordinal) && line.Contains($"txc_participant_id=\"{participant}\"", StringComparison.Ordinal)));
            }, Settle, $"{participant} exposes txc_participant_prepared and its oldest age");
        }
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

    private sealed record OrderResult(Guid OrderId, Guid TransactionId, string Outcome, string? Reason);

}
