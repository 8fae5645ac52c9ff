using System.Net;
using System.Net.Http.Json;
using TxCoordinator.Contracts;
using TxCoordinator.IntegrationTests.Stack;
using static TxCoordinator.IntegrationTests.Stack.PrometheusScrape;

namespace TxCoordinator.IntegrationTests.TwoPhaseCommit;

/// <summary>
/// The protocol end to end over real PostgreSQL and RabbitMQ, checked at every participant, with participants that
/// wait for Prepare (the unsolicited vote: <see cref="UnsolicitedVoteTests"/>).
/// </summary>
[Collection(ClassicStackCollection.Name)]
public sealed class TwoPhaseCommitTests(ClassicParticipantsStack stack)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    private async Task<(string Sku, string Customer)> SeedAsync(int stock = 10, decimal balance = 100m)
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        return await stack.Data.SeedProductAndCustomerAsync(stock, balance);
    }

    [Fact]
    public async Task PlaceOrder_BothParticipantsAgree_CommittedAtEveryParticipant()
    {
        var (sku, customer) = await SeedAsync();
        var orderId = Guid.NewGuid();
        var before = await stack.Http.ScrapeAsync(stack.CoordinatorUrl);

        var response = await stack.Http.PostAsJsonAsync(new Uri(stack.OrdersUrl, "orders"),
            new { orderId, customerId = customer, sku, quantity = 3, amount = 25.50m, cardNumber = "4242424242424242" }, TestContext.Current.CancellationToken);

        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<OrderResult>(TestContext.Current.CancellationToken);
        Assert.Equal("Committed", body!.Outcome);
        await Eventually.HoldsAsync(async () => (await stack.GetAsync(body.TransactionId)).State == TransactionState.Committed, Settle, "transaction completed");
        Assert.Equal(7, await stack.Data.StockAsync(sku));
        Assert.Equal(74.50m, await stack.Data.BalanceAsync(customer));
        Assert.True(await stack.Data.ReservationExistsAsync(orderId));
        Assert.True(await stack.Data.ChargeExistsAsync(orderId));
        Assert.Equal(0, await stack.Data.PreparedAsync(body.TransactionId));
        var after = await stack.Http.ScrapeAsync(stack.CoordinatorUrl);
        Assert.True(Value(after, "txc_transaction_prepare_duration_seconds_count") > Value(before, "txc_transaction_prepare_duration_seconds_count"),
            "prepare phase duration recorded");
        Assert.True(Value(after, "txc_participant_vote_duration_seconds_count") >= Value(before, "txc_participant_vote_duration_seconds_count") + 2,
            "both votes' latency recorded");
    }

    [Fact]
    public async Task Commit_SingleParticipant_CommitsInOnePhaseWithoutPrepare()
    {
        var (sku, _) = await SeedAsync();
        var tx = await stack.BeginAsync();
        var orderId = Guid.NewGuid();
        (await stack.ReserveAsync(tx.Id, orderId, sku, 2)).EnsureSuccessStatusCode();

        var started = System.Diagnostics.Stopwatch.StartNew();
        var commit = await stack.CommitAsync(tx.Id);

        commit.EnsureSuccessStatusCode();
        var outcome = await commit.Content.ReadFromJsonAsync<OutcomeView>(TestContext.Current.CancellationToken);
        Assert.Equal(TransactionOutcome.Committed, outcome!.Outcome);
        // The answer comes with the participant's own commit, not after the one-phase wait runs out.
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"one-phase commit answered after {started.Elapsed}");
        var view = await stack.GetAsync(tx.Id);
        Assert.Equal(TransactionState.Committed, view.State);
        var inventory = Assert.Single(view.Participants);
        Assert.Null(inventory.Vote); // never asked to prepare
        Assert.NotNull(inventory.AcknowledgedAt);
        Assert.Equal(8, await stack.Data.StockAsync(sku));
        Assert.True(await stack.Data.ReservationExistsAsync(orderId));
        Assert.Equal(0, await stack.Data.PreparedAsync(tx.Id));
    }

    [Fact]
    public async Task Commit_OneParticipantVotesNo_AbortedAtEveryParticipant()
    {
        var (sku, customer) = await SeedAsync();
        var tx = await stack.BeginAsync();
        var orderId = Guid.NewGuid();
        (await stack.ReserveAsync(tx.Id, orderId, sku, 2)).EnsureSuccessStatusCode();
        var declined = await stack.ChargeAsync(tx.Id, orderId, customer, 10m, cardNumber: "4000000000000002");
        Assert.Equal(HttpStatusCode.PaymentRequired, declined.StatusCode);

        // The initiator commits anyway: Payments must vote No and Inventory, already prepared, must roll back.
        var commit = await stack.CommitAsync(tx.Id);

        Assert.Equal(HttpStatusCode.Conflict, commit.StatusCode);
        Assert.Equal("application/problem+json", commit.Content.Headers.ContentType?.MediaType);
        Assert.Contains("payments", await commit.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        await Eventually.HoldsAsync(async () => (await stack.GetAsync(tx.Id)).State == TransactionState.Aborted, Settle, "transaction aborted");
        // Presumed abort: when the No arrives before Inventory's Yes, the abort completes at once and Inventory,
        // still preparing, is told to roll back (in answer to its late Yes): wait for that, briefly.
        await Eventually.HoldsAsync(async () => await stack.Data.PreparedAsync(tx.Id) == 0, Settle, "Inventory rolled back");
        Assert.Equal(10, await stack.Data.StockAsync(sku));
        Assert.Equal(100m, await stack.Data.BalanceAsync(customer));
        Assert.False(await stack.Data.ReservationExistsAsync(orderId));
        Assert.False(await stack.Data.ChargeExistsAsync(orderId));
    }

    [Fact]
    public async Task Commit_ParticipantNeverAnswers_TimedOutAndAbortedEverywhere()
    {
        var (sku, _) = await SeedAsync();
        var tx = await stack.BeginAsync(timeoutSeconds: 3);
        var orderId = Guid.NewGuid();
        (await stack.ReserveAsync(tx.Id, orderId, sku, 4)).EnsureSuccessStatusCode();
        (await stack.EnlistAsync(tx.Id, "silent", "txc-participant-silent-" + Guid.NewGuid().ToString("N"))).EnsureSuccessStatusCode();

        var commit = await stack.CommitAsync(tx.Id);

        Assert.Equal(HttpStatusCode.Conflict, commit.StatusCode);
        Assert.Contains("timed out waiting for the vote of 'silent'", await commit.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        // Inventory voted Yes and is prepared; the Abort must reach it and roll it back.
        // Presumed abort: the transaction completes once Inventory, the only Yes voter, acknowledges; the silent
        // participant never voted, so it owes nothing.
        await Eventually.HoldsAsync(async () => (await stack.GetAsync(tx.Id)).State == TransactionState.Aborted, Settle, "transaction completed");
        Assert.Equal(0, await stack.Data.PreparedAsync(tx.Id));
        Assert.Equal(10, await stack.Data.StockAsync(sku));
        Assert.False(await stack.Data.ReservationExistsAsync(orderId));
        var view = await stack.GetAsync(tx.Id);
        Assert.Equal(TransactionOutcome.Aborted, view.Outcome);
        Assert.NotNull(view.CompletedAt);
        Assert.NotNull(view.Participants.Single(p => p.ParticipantId == "inventory").AcknowledgedAt);
        Assert.Null(view.Participants.Single(p => p.ParticipantId == "silent").AcknowledgedAt);
    }

    [Fact]
    public async Task Participant_DuplicatedAndReorderedMessages_CommitsExactlyOnce()
    {
        var (sku, customer) = await SeedAsync();
        var tx = await stack.BeginAsync();
        var orderId = Guid.NewGuid();
        (await stack.ReserveAsync(tx.Id, orderId, sku, 1)).EnsureSuccessStatusCode();
        (await stack.ChargeAsync(tx.Id, orderId, customer, 5m)).EnsureSuccessStatusCode();
        var commit = await stack.CommitAsync(tx.Id);
        commit.EnsureSuccessStatusCode();
        await Eventually.HoldsAsync(async () => (await stack.GetAsync(tx.Id)).State == TransactionState.Committed, Settle, "transaction completed");

        // Replay the whole conversation, out of order, straight into Inventory's queue.
        await using var replayer = await FakeParticipant.StartAsync(stack.RabbitMq, stack.CoordinatorQueue, TestContext.Current.CancellationToken);
        await replayer.SendToAsync(stack.InventoryEndpoint, new CommitTransaction(tx.Id, "inventory", OnePhase: false), TestContext.Current.CancellationToken);
        await replayer.SendToAsync(stack.InventoryEndpoint, new PrepareTransaction(tx.Id, "inventory", tx.Deadline), TestContext.Current.CancellationToken);
        await replayer.SendToAsync(stack.InventoryEndpoint, new CommitTransaction(tx.Id, "inventory", OnePhase: false), TestContext.Current.CancellationToken);
        await replayer.SendToAsync(stack.InventoryEndpoint, new AbortTransaction(tx.Id, "inventory", "late duplicate"), TestContext.Current.CancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);

        Assert.Equal(9, await stack.Data.StockAsync(sku));
        Assert.True(await stack.Data.ReservationExistsAsync(orderId));
        Assert.Equal("committed", await stack.Data.InventoryOutcomeAsync(tx.Id));
        Assert.Equal(0, await stack.Data.PreparedAsync(tx.Id));
        Assert.Equal(TransactionState.Committed, (await stack.GetAsync(tx.Id)).State);
    }

    [Fact]
    public async Task Participant_AbortBeforePrepare_LatePrepareVotesNoAndNothingStaysPrepared()
    {
        var (sku, customer) = await SeedAsync();
        var tx = await stack.BeginAsync();
        var orderId = Guid.NewGuid();
        (await stack.ReserveAsync(tx.Id, orderId, sku, 2)).EnsureSuccessStatusCode();
        (await stack.ChargeAsync(tx.Id, orderId, customer, 5m)).EnsureSuccessStatusCode();

        // An Abort overtakes the Prepare that the commit below will send.
        await using var sender = await FakeParticipant.StartAsync(stack.RabbitMq, stack.CoordinatorQueue, TestContext.Current.CancellationToken);
        await sender.SendToAsync(stack.InventoryEndpoint, new AbortTransaction(tx.Id, "inventory", "abort overtakes prepare"), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(async () => await stack.Data.InventoryOutcomeAsync(tx.Id) == "aborted", Settle, "barrier written");

        var commit = await stack.CommitAsync(tx.Id);

        Assert.Equal(HttpStatusCode.Conflict, commit.StatusCode);
        var view = await stack.GetAsync(tx.Id);
        Assert.Equal(Vote.No, view.Participants.Single(p => p.ParticipantId == "inventory").Vote);
        await Eventually.HoldsAsync(async () => await stack.Data.PreparedAsync(tx.Id) == 0, Settle, "no prepared transaction left");
        Assert.Equal(10, await stack.Data.StockAsync(sku));
        Assert.Equal(100m, await stack.Data.BalanceAsync(customer));
        Assert.False(await stack.Data.ChargeExistsAsync(orderId));
    }

    private sealed record OrderResult(Guid OrderId, Guid TransactionId, string Outcome, string? Reason);
}
