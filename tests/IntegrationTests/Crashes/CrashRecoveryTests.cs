using System.Net;
using System.Text.Json;
using TxCoordinator.Contracts;
using TxCoordinator.IntegrationTests.Stack;

namespace TxCoordinator.IntegrationTests.Crashes;

/// <summary>Processes killed with SIGKILL at the worst moments: every transaction must still finish, at every participant.</summary>
[Collection(StackCollection.Name)]
public sealed class CrashRecoveryTests(ServiceStack stack)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Coordinator_KilledAfterDecisionBeforeAcks_RestartCompletesTransaction()
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        var sku = "sku-" + Guid.NewGuid().ToString("N")[..10];
        await stack.Data.SeedStockAsync(sku, 10);
        await using var slow = await FakeParticipant.StartAsync(stack.RabbitMq, stack.CoordinatorQueue, TestContext.Current.CancellationToken);
        slow.Acknowledge = false;
        var tx = await stack.BeginAsync(timeoutSeconds: 30);
        var orderId = Guid.NewGuid();
        (await stack.ReserveAsync(tx.Id, orderId, sku, 2)).EnsureSuccessStatusCode();
        (await stack.EnlistAsync(tx.Id, slow.ParticipantId, slow.Endpoint)).EnsureSuccessStatusCode();

        var commit = await stack.CommitAsync(tx.Id);
        Assert.Equal(HttpStatusCode.OK, commit.StatusCode);
        Assert.Equal(TransactionState.Committing, (await stack.GetAsync(tx.Id)).State);

        await stack.KillAsync("coordinator");
        slow.Acknowledge = true;
        var commitsBeforeRestart = slow.Count<CommitTransaction>();
        await stack.StartAsync("coordinator");

        await Eventually.HoldsAsync(async () => (await stack.GetAsync(tx.Id)).State == TransactionState.Committed, Settle,
            "the restarted coordinator resent Commit and completed the transaction");
        Assert.True(slow.Count<CommitTransaction>() > commitsBeforeRestart, "Commit was resent after the restart");
        Assert.Equal(8, await stack.Data.StockAsync(sku));
        Assert.True(await stack.Data.ReservationExistsAsync(orderId));
        Assert.Equal(0, await stack.Data.PreparedAsync(tx.Id));
    }

    [Fact]
    public async Task Coordinator_KilledWhileActive_RestartAbortsTheTransactionWhoseEnlistmentsWereInMemory()
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        var sku = "sku-" + Guid.NewGuid().ToString("N")[..10];
        await stack.Data.SeedStockAsync(sku, 10);
        var tx = await stack.BeginAsync(timeoutSeconds: 5);
        (await stack.ReserveAsync(tx.Id, Guid.NewGuid(), sku, 2)).EnsureSuccessStatusCode();
        Assert.Equal(["inventory"], (await stack.GetAsync(tx.Id)).Participants.Select(p => p.ParticipantId));

        // The enlistment was kept in memory only (it decides nothing): the restarted coordinator cannot know of it.
        await stack.KillAsync("coordinator");
        await stack.StartAsync("coordinator");

        await Eventually.HoldsAsync(async () => (await stack.GetAsync(tx.Id)).State == TransactionState.Aborted, Settle,
            "the restarted coordinator aborted the Active transaction it found");
        Assert.Contains("the coordinator restarted", (await stack.GetAsync(tx.Id)).AbortReason, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await stack.CommitAsync(tx.Id)).StatusCode);
        Assert.Equal(10, await stack.Data.StockAsync(sku));
    }

    [Fact]
    public async Task Coordinator_KilledWhileActive_WithDurableEnlistments_RestartKeepsTheTransactionForItsInitiatorToCommit()
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        const string setting = "Coordinator__DurableEnlistments";
        var original = stack.Configure("coordinator", setting, "true");
        await stack.KillAsync("coordinator");
        await stack.StartAsync("coordinator");
        try
        {
            var (sku, customer) = await stack.Data.SeedProductAndCustomerAsync(stock: 10, balance: 100m);
            var tx = await stack.BeginAsync(timeoutSeconds: 60);
            var orderId = Guid.NewGuid();
            (await stack.ReserveAsync(tx.Id, orderId, sku, 2)).EnsureSuccessStatusCode();
            (await stack.ChargeAsync(tx.Id, orderId, customer, 20m)).EnsureSuccessStatusCode();

            // Each enlistment was written before Inventory and Payments heard they were enlisted: the restarted
            // coordinator knows both, so it has no reason to abort the transaction (as it does without the setting,
            // test above), and the initiator, which never heard of the crash, commits it.
            await stack.KillAsync("coordinator");
            await stack.StartAsync("coordinator");
            var inherited = await stack.GetAsync(tx.Id);
            Assert.Equal(TransactionState.Active, inherited.State);
            Assert.Equal(["inventory", "payments"], inherited.Participants.Select(p => p.ParticipantId).Order());
            using (var detail = JsonDocument.Parse(await stack.Http.GetStringAsync(new Uri(stack.CoordinatorUrl, $"admin/transactions/{tx.Id}"), Cancel)))
            {
                Assert.True(detail.RootElement.GetProperty("durableEnlistments").GetBoolean());
            }

            Assert.Equal(HttpStatusCode.OK, (await stack.CommitAsync(tx.Id)).StatusCode);

            await Eventually.HoldsAsync(async () => (await stack.GetAsync(tx.Id)).State == TransactionState.Committed, Settle, "transaction completed");
            Assert.Equal(0, await stack.Data.PreparedAsync(tx.Id));
            Assert.Equal(8, await stack.Data.StockAsync(sku));
            Assert.Equal(80m, await stack.Data.BalanceAsync(customer));
            Assert.True(await stack.Data.ReservationExistsAsync(orderId));
        }
        finally
        {
            stack.Configure("coordinator", setting, original);
            await stack.KillAsync("coordinator");
            await stack.StartAsync("coordinator");
        }
    }

    [Fact]
    public async Task Participant_KilledWhilePrepared_RestartResolvesToTheDecision()
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        var sku = "sku-" + Guid.NewGuid().ToString("N")[..10];
        var customer = "cust-" + Guid.NewGuid().ToString("N")[..10];
        await stack.Data.SeedStockAsync(sku, 10);
        await stack.Data.SeedWalletAsync(customer, 100m);
        var tx = await stack.BeginAsync(timeoutSeconds: 30);
        var orderId = Guid.NewGuid();
        (await stack.ReserveAsync(tx.Id, orderId, sku, 5)).EnsureSuccessStatusCode();
        (await stack.ChargeAsync(tx.Id, orderId, customer, 20m)).EnsureSuccessStatusCode();

        // This stack's participants vote as their work completes (VoteOnComplete): Inventory answered having prepared
        // its work and enlisted with Yes. It dies holding that prepared transaction, before anything is decided, so
        // the Commit can reach it only after it restarts.
        Assert.All((await stack.GetAsync(tx.Id)).Participants, p => Assert.Equal(Vote.Yes, p.Vote));
        Assert.Equal(1, await stack.Data.InventoryPreparedAsync(tx.Id));
        await stack.KillAsync("inventory");
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await stack.CommitAsync(tx.Id)).StatusCode);
            Assert.Equal(1, await stack.Data.InventoryPreparedAsync(tx.Id));
        }
        finally
        {
            await stack.StartAsync("inventory");
        }

        await Eventually.HoldsAsync(async () => await stack.Data.PreparedAsync(tx.Id) == 0, Settle, "the prepared transaction was resolved");
        await Eventually.HoldsAsync(async () => (await stack.GetAsync(tx.Id)).State == TransactionState.Committed, Settle, "transaction completed");
        Assert.Equal(5, await stack.Data.StockAsync(sku));
        Assert.Equal(80m, await stack.Data.BalanceAsync(customer));
        Assert.True(await stack.Data.ReservationExistsAsync(orderId));
        Assert.True(await stack.Data.ChargeExistsAsync(orderId));
    }
}
