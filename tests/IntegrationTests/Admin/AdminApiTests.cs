using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TxCoordinator.Contracts;
using TxCoordinator.IntegrationTests.Stack;

namespace TxCoordinator.IntegrationTests.Admin;

/// <summary>The admin API against the real coordinator: filters, paging, timeline, heuristic abort and its audit.</summary>
[Collection(StackCollection.Name)]
public sealed class AdminApiTests(ServiceStack stack)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private void SkipWithoutServers() => Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");

    private Task<HttpResponseMessage> GetAsync(string path) => stack.Http.GetAsync(new Uri(stack.CoordinatorUrl, path), Cancel);

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Cancel)}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).Clone();
    }

    private Task<HttpResponseMessage> HeuristicAbortAsync(Guid id, object body) =>
        stack.Http.PostAsJsonAsync(new Uri(stack.CoordinatorUrl, $"admin/transactions/{id}/heuristic-abort"), body, Cancel);

    /// <summary>
    /// An Active transaction with a participant no one else uses, so a filter on it finds only this test's. Its
    /// timeout is short: the stack is shared, and the load test waits for every transaction in it to settle.
    /// </summary>
    private async Task<Guid> ActiveWithAsync(string participant, double timeoutSeconds = 20)
    {
        var tx = await stack.BeginAsync(timeoutSeconds);
        (await stack.EnlistAsync(tx.Id, participant, $"txc-participant-{participant}")).EnsureSuccessStatusCode();
        return tx.Id;
    }

    private static string UniqueParticipant() => "adm-" + Guid.NewGuid().ToString("N")[..10];

    private static List<Guid> Ids(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];

    [Fact]
    public async Task List_ByParticipant_PagesInCreationOrderWithACursor()
    {
        SkipWithoutServers();
        var participant = UniqueParticipant();
        var created = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            created.Add(await ActiveWithAsync(participant));
        }

        var first = await GetJsonAsync($"admin/transactions?participant={participant}&limit=2");
        var next = first.GetProperty("next").GetString();
        var second = await GetJsonAsync($"admin/transactions?participant={participant}&limit=2&after={next}");

        Assert.Equal(created[..2], Ids(first));
        Assert.NotNull(next);
        Assert.Equal(created[2..], Ids(second));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
        var newestFirst = await GetJsonAsync($"admin/transactions?participant={participant}&order=desc");
        Assert.Equal(Enumerable.Reverse(created), Ids(newestFirst));
        var item = first.GetProperty("items")[0];
        Assert.Equal("Active", item.GetProperty("state").GetString());
        Assert.Equal([participant], item.GetProperty("participants").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task List_ByStateAndAge_ReturnsOnlyMatchingTransactions()
    {
        SkipWithoutServers();
        var participant = UniqueParticipant();
        var active = await ActiveWithAsync(participant);
        var aborted = await ActiveWithAsync(participant);
        (await stack.Http.PostAsync(new Uri(stack.CoordinatorUrl, $"transactions/{aborted}/abort"), null, Cancel)).EnsureSuccessStatusCode();

        Assert.Equal([aborted], Ids(await GetJsonAsync($"admin/transactions?participant={participant}&state=Aborted")));
        Assert.Equal([active], Ids(await GetJsonAsync($"admin/transactions?participant={participant}&state=active,Preparing")));
        Assert.Equal([active, aborted], Ids(await GetJsonAsync($"admin/transactions?participant={participant}&state=Active&state=Aborted")));
        Assert.Empty(Ids(await GetJsonAsync($"admin/transactions?participant={participant}&olderThan=1h")));
        await Task.Delay(1100, Cancel);
        Assert.Equal([active, aborted], Ids(await GetJsonAsync($"admin/transactions?participant={participant}&olderThan=1s")));
    }

    [Theory]
    [InlineData("state=Pending", "state")]
    [InlineData("olderThan=soon", "olderThan")]
    [InlineData("participant=Not%20An%20Id", "participant")]
    [InlineData("limit=0", "limit")]
    [InlineData("after=garbage", "after")]
    public async Task List_BadFilter_AnswersProblem400NamingTheParameter(string query, string parameter)
    {
        SkipWithoutServers();

        using var response = await GetAsync($"admin/transactions?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal(parameter, problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Summary_CountsEveryStateAndTheOldestUnfinished()
    {
        SkipWithoutServers();
        await ActiveWithAsync(UniqueParticipant());

        var summary = await GetJsonAsync("admin/transactions/summary");

        Assert.Equal(
            Enum.GetNames<TransactionState>(),
            summary.GetProperty("byState").EnumerateObject().Select(p => p.Name));
        Assert.True(summary.GetProperty("byState").GetProperty("Active").GetInt64() >= 1);
        Assert.True(summary.GetProperty("unfinished").GetInt64() >= 1);
        Assert.True(summary.GetProperty("oldestUnfinishedAgeSeconds").GetDouble() >= 0);
        Assert.Equal(10, summary.GetProperty("stuckAfterAttempts").GetInt32());
    }

    [Fact]
    public async Task ListAndSummary_TransactionCollectingVotes_AreAsTheCoordinatorHoldsIt()
    {
        SkipWithoutServers();
        await using var silent = await FakeParticipant.StartAsync(stack.RabbitMq, stack.CoordinatorQueue, Cancel);
        await using var voter = await FakeParticipant.StartAsync(stack.RabbitMq, stack.CoordinatorQueue, Cancel);
        silent.AnswerPrepare = false;
        var tx = await stack.BeginAsync(timeoutSeconds: 10);
        (await stack.EnlistAsync(tx.Id, silent.ParticipantId, silent.Endpoint)).EnsureSuccessStatusCode();
        (await stack.EnlistAsync(tx.Id, voter.ParticipantId, voter.Endpoint)).EnsureSuccessStatusCode();
        var commit = stack.CommitAsync(tx.Id);
        await Eventually.HoldsAsync(async () => voter.Count<PrepareTransaction>() > 0 && silent.Count<PrepareTransaction>() > 0, Settle,
            "Prepare sent to both");

        // The move to Preparing and the first vote are in the coordinator's memory only: its database says Active.
        Assert.Equal([tx.Id], Ids(await GetJsonAsync($"admin/transactions?participant={silent.ParticipantId}&state=Preparing")));
        Assert.Empty(Ids(await GetJsonAsync($"admin/transactions?participant={silent.ParticipantId}&state=Active")));
        var summary = await GetJsonAsync("admin/transactions/summary");
        Assert.True(summary.GetProperty("byState").GetProperty("Preparing").GetInt64() >= 1);

        (await stack.Http.PostAsync(new Uri(stack.CoordinatorUrl, $"transactions/{tx.Id}/abort"), null, Cancel)).EnsureSuccessStatusCode();
        (await commit).Dispose();
        await Eventually.HoldsAsync(async () => (await stack.GetAsync(tx.Id)).State == TransactionState.Aborted, Settle, "aborted");
    }

    [Fact]
    public async Task Detail_CommittedOrder_TimelineHasEveryStepInTimeOrder()
    {
        SkipWithoutServers();
        var sku = "sku-" + Guid.NewGuid().ToString("N")[..10];
        var customer = "cust-" + Guid.NewGuid().ToString("N")[..10];
        await stack.Data.SeedStockAsync(sku, 10);
        await stack.Data.SeedWalletAsync(customer, 100m);
        var order = await stack.Http.PostAsJsonAsync(new Uri(stack.OrdersUrl, "orders"),
            new { orderId = Guid.NewGuid(), customerId = customer, sku, quantity = 1, amount = 5m, cardNumber = "4242424242424242" }, Cancel);
        order.EnsureSuccessStatusCode();
        var transactionId = (await order.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("transactionId").GetGuid();
        await Eventually.HoldsAsync(async () => (await stack.GetAsync(transactionId)).State == TransactionState.Committed, Settle, "order committed");

        var detail = await GetJsonAsync($"admin/transactions/{transactionId}");

        var timeline = detail.GetProperty("timeline").EnumerateArray().ToList();
        // The samples' participants vote as they enlist: no Prepare is sent.
        Assert.Equal(
            ["created", "enlisted", "voted", "enlisted", "voted", "decided", "acknowledged", "acknowledged", "completed"],
            timeline.Select(e => e.GetProperty("event").GetString()));
        var times = timeline.Select(e => e.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.Equal(times.Order(), times);
        Assert.Equal(["inventory", "payments"], timeline.Where(e => e.GetProperty("event").GetString() == "voted")
            .Select(e => e.GetProperty("participant").GetString()).Order());
        Assert.Equal("Commit", timeline.Single(e => e.GetProperty("event").GetString() == "decided").GetProperty("detail").GetString());
        Assert.Equal("Committed", detail.GetProperty("outcome").GetString());
        Assert.All(detail.GetProperty("participants").EnumerateArray(), p => Assert.Equal("Yes", p.GetProperty("vote").GetString()));
        Assert.Empty(detail.GetProperty("audit").EnumerateArray());
    }

    [Fact]
    public async Task HeuristicAbort_ActiveTransaction_AbortsAndAudits()
    {
        SkipWithoutServers();
        var id = await ActiveWithAsync(UniqueParticipant());

        using var response = await HeuristicAbortAsync(id, new { reason = "initiator crashed", @operator = "alice" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("Aborted", result.GetProperty("state").GetString());
        var detail = await GetJsonAsync($"admin/transactions/{id}");
        Assert.Equal("Aborted", detail.GetProperty("state").GetString());
        Assert.Equal("heuristic abort by alice: initiator crashed", detail.GetProperty("abortReason").GetString());
        var audit = Assert.Single(detail.GetProperty("audit").EnumerateArray().ToList());
        Assert.Equal(
            ("heuristic-abort", "alice", "initiator crashed", "Active", true),
            (audit.GetProperty("action").GetString(), audit.GetProperty("operator").GetString(), audit.GetProperty("reason").GetString(),
             audit.GetProperty("stateBefore").GetString(), audit.GetProperty("applied").GetBoolean()));
        Assert.Contains(detail.GetProperty("timeline").EnumerateArray(), e => e.GetProperty("event").GetString() == "operator");
    }

    [Fact]
    public async Task HeuristicAbort_CommittedTransaction_Refuses409AndAuditsTheRefusal()
    {
        SkipWithoutServers();
        var tx = await stack.BeginAsync();
        (await stack.CommitAsync(tx.Id)).EnsureSuccessStatusCode(); // nothing enlisted: committed at once

        using var response = await HeuristicAbortAsync(tx.Id, new { reason = "looks wrong", @operator = "bob" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("Committed", problem.GetProperty("state").GetString());
        Assert.Contains("atomicity", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var detail = await GetJsonAsync($"admin/transactions/{tx.Id}");
        Assert.Equal("Committed", detail.GetProperty("state").GetString());
        var audit = Assert.Single(detail.GetProperty("audit").EnumerateArray().ToList());
        Assert.False(audit.GetProperty("applied").GetBoolean());
        Assert.Equal("bob", audit.GetProperty("operator").GetString());
    }

    [Fact]
    public async Task HeuristicAbort_UnknownTransaction_Answers404()
    {
        SkipWithoutServers();

        using var response = await HeuristicAbortAsync(Guid.NewGuid(), new { reason = "x", @operator = "alice" });
        using var detail = await GetAsync($"admin/transactions/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, detail.StatusCode);
        Assert.Equal("application/problem+json", detail.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task HeuristicAbort_WithoutReason_Answers400NamingIt()
    {
        SkipWithoutServers();
        var id = await ActiveWithAsync(UniqueParticipant());

        using var response = await HeuristicAbortAsync(id, new { @operator = "alice" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("reason", (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("field").GetString());
        Assert.Equal(TransactionState.Active, (await stack.GetAsync(id)).State);
    }
}
