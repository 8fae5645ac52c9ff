using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TxCoordinator.Contracts;
using TxCoordinator.IntegrationTests.Stack;

namespace TxCoordinator.IntegrationTests.TwoPhaseCommit;

/// <summary>
/// The samples as shipped: each participant prepares its work as it completes and enlists with its Yes (the unsolicited
/// vote), so the commit sends no Prepare. Checked at every participant over real PostgreSQL and RabbitMQ.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class UnsolicitedVoteTests(ServiceStack stack)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    private async Task<(string Sku, string Customer)> SeedAsync()
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        return await stack.Data.SeedProductAndCustomerAsync(10, 100m);
    }

    [Fact]
    public async Task Reserve_ParticipantVotesAsItEnlists_IsPreparedAndKnownWithItsYesBeforeTheCommit()
    {
        var (sku, _) = await SeedAsync();
        var tx = await stack.BeginAsync();
        var orderId = Guid.NewGuid();

        (await stack.ReserveAsync(tx.Id, orderId, sku, 2)).EnsureSuccessStatusCode();

        var view = await stack.GetAsync(tx.Id);
        Assert.Equal(TransactionState.Active, view.State);
        var inventory = Assert.Single(view.Participants);
        Assert.Equal(Vote.Yes, inventory.Vote);
        Assert.Equal(1, await stack.Data.InventoryPreparedAsync(tx.Id));
        // Uncommitted: nobody sees the reservation yet.
        Assert.Equal(10, await stack.Data.StockAsync(sku));
        (await stack.AbortAsync(tx.Id)).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Commit_EveryParticipantVotedAsItEnlisted_DecidesWithoutPrepareAndCommitsEverywhere()
    {
        var (sku, customer) = await SeedAsync();
        var tx = await stack.BeginAsync();
        var orderId = Guid.NewGuid();
        (await stack.ReserveAsync(tx.Id, orderId, sku, 3)).EnsureSuccessStatusCode();
        (await stack.ChargeAsync(tx.Id, orderId, customer, 25.50m)).EnsureSuccessStatusCode();

        var commit = await stack.CommitAsync(tx.Id);

        commit.EnsureSuccessStatusCode();
        Assert.Equal(TransactionOutcome.Committed, (await commit.Content.ReadFromJsonAsync<OutcomeView>(Cancel))!.Outcome);
        await Eventually.HoldsAsync(async () => (await stack.GetAsync(tx.Id)).State == TransactionState.Committed, Settle, "transaction completed");
        var view = await stack.GetAsync(tx.Id);
        // Both votes came before the commit was asked for: no Prepare was sent.
        Assert.All(view.Participants, p => Assert.True(p.VotedAt < view.DecidedAt, $"{p.ParticipantId} voted before the decision"));
        Assert.Equal(7, await stack.Data.StockAsync(sku));
        Assert.Equal(74.50m, await stack.Data.BalanceAsync(customer));
        Assert.True(await stack.Data.ReservationExistsAsync(orderId));
        Assert.True(await stack.Data.ChargeExistsAsync(orderId));
        Assert.Equal(0, await stack.Data.PreparedAsync(tx.Id));
    }

    [Fact]
    public async Task Commit_SingleParticipantVotedAsItEnlisted_CommitsTheBranchItPrepared()
    {
        var (sku, _) = await SeedAsync();
        var tx = await stack.BeginAsync();
        var orderId = Guid.NewGuid();
        (await stack.ReserveAsync(tx.Id, orderId, sku, 2)).EnsureSuccessStatusCode();

        (await stack.CommitAsync(tx.Id)).EnsureSuccessStatusCode();

        await Eventually.HoldsAsync(async () => (await stack.GetAsync(tx.Id)).State == TransactionState.Committed, Settle, "transaction completed");
        var inventory = Assert.Single((await stack.GetAsync(tx.Id)).Participants);
        Assert.Equal(Vote.Yes, inventory.Vote); // prepared, so not a one-phase commit
        Assert.Equal(8, await stack.Data.StockAsync(sku));
        Assert.Equal(0, await stack.Data.PreparedAsync(tx.Id));
    }

    [Fact]
    public async Task Abort_AfterAParticipantVotedAsItEnlisted_RollsItsPreparedWorkBack()
    {
        var (sku, customer) = await SeedAsync();
        var tx = await stack.BeginAsync();
        var orderId = Guid.NewGuid();
        (await stack.ReserveAsync(tx.Id, orderId, sku, 2)).EnsureSuccessStatusCode();
        var declined = await stack.ChargeAsync(tx.Id, orderId, customer, 10m, cardNumber: "4000000000000002");
        Assert.Equal(HttpStatusCode.PaymentRequired, declined.StatusCode);

        (await stack.AbortAsync(tx.Id)).EnsureSuccessStatusCode();

        await Eventually.HoldsAsync(async () => (await stack.GetAsync(tx.Id)).State == TransactionState.Aborted, Settle, "transaction aborted");
        Assert.Equal(0, await stack.Data.PreparedAsync(tx.Id));
        Assert.Equal(10, await stack.Data.StockAsync(sku));
        Assert.False(await stack.Data.ReservationExistsAsync(orderId));
        Assert.Equal("aborted", await stack.Data.InventoryOutcomeAsync(tx.Id));
    }

    [Fact]
    public async Task Reserve_TransactionAlreadyAborted_RefusedAndNothingStaysPrepared()
    {
        var (sku, _) = await SeedAsync();
        var tx = await stack.BeginAsync();
        (await stack.AbortAsync(tx.Id)).EnsureSuccessStatusCode();
        var orderId = Guid.NewGuid();

        var reserve = await stack.ReserveAsync(tx.Id, orderId, sku, 2);

        Assert.Equal(HttpStatusCode.Conflict, reserve.StatusCode);
        Assert.Equal("application/problem+json", reserve.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await stack.Data.PreparedAsync(tx.Id));
        Assert.Equal(10, await stack.Data.StockAsync(sku));
        Assert.False(await stack.Data.ReservationExistsAsync(orderId));
        Assert.Empty((await stack.GetAsync(tx.Id)).Participants);
    }

    [Fact]
    public async Task PlaceOrder_PaymentsDown_Answers503NamingTheTransaction_WhichIsAbortedWithInventorysPreparedWork()
    {
        var (sku, customer) = await SeedAsync();
        var orderId = Guid.NewGuid();
        await stack.KillAsync("payments");
        try
        {
            var response = await stack.Http.PostAsJsonAsync(new Uri(stack.OrdersUrl, "orders"),
                new { orderId, customerId = customer, sku, quantity = 2, amount = 10m, cardNumber = "4242424242424242" }, Cancel);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
            Assert.Contains("payments", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            var transactionId = problem.GetProperty("transactionId").GetGuid();
            // Inventory prepared its reservation as it enlisted; the abort, decided before the answer, rolls it back.
            Assert.Contains((await stack.GetAsync(transactionId)).State, new[] { TransactionState.Aborting, TransactionState.Aborted });
            await Eventually.HoldsAsync(async () => (await stack.GetAsync(transactionId)).State == TransactionState.Aborted, Settle,
                "inventory acknowledged the abort");
            Assert.Equal(0, await stack.Data.PreparedAsync(transactionId));
            Assert.Equal(10, await stack.Data.StockAsync(sku));
            Assert.False(await stack.Data.ReservationExistsAsync(orderId));
            // What an operator finds in Orders' log: the order, its transaction and why.
            Assert.Contains($"Order {orderId} (transaction {transactionId}) could not be processed, answered 503: payments",
                stack.LogsOf("orders"), StringComparison.Ordinal);
        }
        finally
        {
            await stack.StartAsync("payments");
        }
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
}
