using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.IntegrationTests.Stack;

namespace TxCoordinator.IntegrationTests.Cluster;

/// <summary>
/// Three coordinator replicas replicating their decisions with Raft, broken at the worst moments with SIGKILL and
/// SIGSTOP. Every test checks the outcome at the participants (their own databases), not only at the coordinator,
/// and leaves all three replicas running.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ReplicationTests(ClusterStack stack) : IAsyncLifetime
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        if (stack.SkipReason is null)
        {
            await stack.AllRunningAsync();
            // A test before may have just caused an election (a leader killed, every replica restarted): begin with a
            // leader that has taken over, not one elected and still catching up, whose role is not "Leader" yet.
            await Eventually.HoldsAsync(async () =>
                (await Task.WhenAll(stack.Replicas.Select(stack.StatusOfAsync))).Any(s => s?.Role == "Leader"),
                Settle, "a leader has taken over");
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<(string Sku, string Customer)> SeedAsync(int stock = 10)
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        return await stack.Data.SeedProductAndCustomerAsync(stock, 1_000m);
    }

    private async Task<TransactionView> OrderAsync(string sku, string customer, Guid orderId, Dictionary<string, string>? metadata = null)
    {
        var tx = await stack.BeginAsync(timeoutSeconds: 30, metadata);
        (await stack.ReserveAsync(tx.Id, orderId, sku, 1)).EnsureSuccessStatusCode();
        (await stack.ChargeAsync(tx.Id, orderId, customer, 10m)).EnsureSuccessStatusCode();
        return tx;
    }

    /// <summary>
    /// An order whose commit waits for the vote of <paramref name="fake"/> (which does not answer Prepare): Inventory
    /// and Payments are prepared, and the leader's database still says Active (the move to Preparing is deferred).
    /// </summary>
    private async Task<(string Sku, Guid OrderId, TransactionView Tx, string Leader, Task<HttpResponseMessage> Commit)> CollectingVotesAsync(
        FakeParticipant fake)
    {
        var (sku, customer) = await SeedAsync();
        fake.AnswerPrepare = false;
        var orderId = Guid.NewGuid();
        var tx = await OrderAsync(sku, customer, orderId);
        (await stack.EnlistAsync(tx.Id, fake.ParticipantId, fake.Endpoint)).EnsureSuccessStatusCode();
        var leader = await stack.LeaderAsync();
        var commit = stack.CommitAsync(tx.Id);
        await Eventually.HoldsAsync(async () => fake.Count<PrepareTransaction>() > 0, Settle, "Prepare sent");
        await Eventually.HoldsAsync(async () => await stack.Data.PreparedAsync(tx.Id) == 2, Settle, "Inventory and Payments prepared");
        // The leader writes its database up to DatabaseWriteDelay behind its log: once the row is there, it says Active.
        await Eventually.HoldsAsync(async () => await stack.StateInDatabaseAsync(leader, tx.Id) is not null, Settle, "the leader wrote the row");
        Assert.Equal("Active", await stack.StateInDatabaseAsync(leader, tx.Id));
        return (sku, orderId, tx, leader, commit);
    }

    /// <summary>What the replication issue promises: nothing stays in doubt longer than this after a new leader is elected.</summary>
    private static readonly TimeSpan InDoubtAfterElection = TimeSpan.FromSeconds(10);

    private async Task CommittedEverywhereAsync(Guid transactionId, Guid orderId, string sku, int stock, TimeSpan? within = null)
    {
        await Eventually.HoldsAsync(async () => (await stack.GetAsync(transactionId)).State == TransactionState.Committed, within ?? Settle,
            $"transaction {transactionId} completed as Committed");
        Assert.Equal(stock, await stack.Data.StockAsync(sku));
        Assert.True(await stack.Data.ReservationExistsAsync(orderId), "Inventory committed the reservation");
        Assert.True(await stack.Data.ChargeExistsAsync(orderId), "Payments committed the charge");
        await Eventually.HoldsAsync(async () => await stack.Data.PreparedAsync(transactionId) == 0, Settle, "no prepared transaction left");
    }

    private async Task BringBackAsync(string replica)
    {
        await stack.StartAsync(replica);
        await stack.CaughtUpAsync(replica, Settle);
    }

    [Fact]
    public async Task Start_ThreeReplicas_ElectOneLeaderThatEveryoneFollows()
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        var leader = await stack.LeaderAsync();

        var statuses = await Task.WhenAll(stack.Replicas.Select(stack.StatusOfAsync));
        Assert.All(statuses, s => Assert.NotNull(s));
        Assert.Single(statuses, s => s!.Role == "Leader");
        Assert.Equal(ServiceStack.ReplicaName(statuses.Single(s => s!.Role == "Leader")!.ReplicaId), leader);
        Assert.Single(statuses.Select(s => s!.Term).Distinct());
        // GET /cluster on a follower shows the whole group with each replica's lag.
        var view = await stack.Http.GetFromJsonAsync<ClusterStatus>(new Uri(stack.UrlOf(stack.FollowersOf(leader)[0]), "cluster"), Cancel);
        Assert.Equal(3, view!.Replicas.Count);
        Assert.All(view.Replicas, r => Assert.True(r.Reachable && r.Lag is >= 0, $"{r.ReplicaId}: reachable={r.Reachable} lag={r.Lag}"));
    }

    [Fact]
    public async Task Leader_AsksForAnswersOnItsOwnQueue_AndStillTakesThemFromTheSharedOne()
    {
        var (sku, customer) = await SeedAsync();
        await using var fake = await FakeParticipant.StartAsync(stack.RabbitMq, stack.CoordinatorQueue, Cancel);
        var orderId = Guid.NewGuid();
        var tx = await OrderAsync(sku, customer, orderId);
        (await stack.EnlistAsync(tx.Id, fake.ParticipantId, fake.Endpoint)).EnsureSuccessStatusCode();
        var leader = await stack.LeaderAsync();

        Assert.Equal(HttpStatusCode.OK, (await stack.CommitAsync(tx.Id)).StatusCode);

        // The samples (SDK) answered on the leader's own queue, the fake (which ignores the address) on the shared
        // queue, where any replica may take it and a follower sends it on: all three answers counted.
        await CommittedEverywhereAsync(tx.Id, orderId, sku, stock: 9);
        Assert.True(fake.ResponseAddresses.Count >= 2, "Prepare and Commit received (and any resend)");
        var leaderQueue = $"{stack.CoordinatorQueue}-{ServiceStack.ReplicaIdOf(leader)}";
        Assert.All(fake.ResponseAddresses, address => Assert.Equal(leaderQueue, address?.AbsolutePath.Trim('/')));
    }

    [Fact]
    public async Task Leader_KilledWhileCollectingVotes_NewLeaderAbortsIt_AndThePreparedBranchesAreRolledBack()
    {
        // Presumed abort: the move to Preparing is not logged, only the decision is. The new leader knows the
        // transaction as Active, begun under another leader, and aborts it; Inventory and Payments, prepared and
        // unknown to it, learn that from its announcement of the abort (or, had they missed it, from their recovery).
        await using var fake = await FakeParticipant.StartAsync(stack.RabbitMq, stack.CoordinatorQueue, Cancel);
        var (sku, orderId, tx, leader, commit) = await CollectingVotesAsync(fake);
        Assert.Equal(TransactionState.Preparing, (await stack.GetAsync(tx.Id)).State);
        await stack.KillAsync(leader);

        // The commit call fails over to the new leader, which has aborted the transaction on taking over.
        Assert.NotEqual(leader, await stack.LeaderAsync(stack.FollowersOf(leader)));
        var answer = await commit;
        Assert.Equal(HttpStatusCode.Conflict, answer.StatusCode);
        Assert.Contains("leader changed", await answer.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        await Eventually.HoldsAsync(async () => await stack.Data.PreparedAsync(tx.Id) == 0, InDoubtAfterElection,
            "the prepared branches rolled back");
        Assert.Equal(TransactionState.Aborted, (await stack.GetAsync(tx.Id)).State);
        Assert.Equal(10, await stack.Data.StockAsync(sku));
        Assert.False(await stack.Data.ReservationExistsAsync(orderId));
        Assert.False(await stack.Data.ChargeExistsAsync(orderId));
        await BringBackAsync(leader);
        Assert.Equal("Aborted", await stack.StateInDatabaseAsync(leader, tx.Id));
    }

    [Fact]
    public async Task Admin_ShowsAnInFlightTransactionAsTheLeaderHoldsIt_NotAsItsDatabaseDoes()
    {
        // Enlistments, the move to Preparing and the votes are deferred: the leader's database still says Active,
        // with no participant, while Inventory and Payments have voted and the third participant is awaited.
        await using var fake = await FakeParticipant.StartAsync(stack.RabbitMq, stack.CoordinatorQueue, Cancel);
        var (sku, orderId, tx, leader, commit) = await CollectingVotesAsync(fake);
        await Eventually.HoldsAsync(async () => (await stack.GetAsync(tx.Id)).Participants.Count(p => p.Vote == Vote.Yes) == 2, Settle,
            "the leader has both Yes votes");

        // Asked of a follower, which hands admin reads to the leader.
        var follower = new Uri(stack.UrlOf(stack.FollowersOf(leader)[0]), "admin/transactions/");
        var detail = await stack.Http.GetFromJsonAsync<JsonElement>(new Uri(follower, tx.Id.ToString()), Cancel);
        Assert.Equal("Preparing", detail.GetProperty("state").GetString());
        var votes = detail.GetProperty("participants").EnumerateArray()
            .ToDictionary(p => p.GetProperty("participantId").GetString()!, p => p.GetProperty("vote").ToString());
        Assert.Equal(new[] { "inventory", "payments", fake.ParticipantId }.Order(StringComparer.Ordinal), votes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("Yes", votes["inventory"]);
        Assert.Equal("Yes", votes["payments"]);
        Assert.Equal("", votes[fake.ParticipantId]); // JSON null: not voted yet
        var page = await stack.Http.GetFromJsonAsync<JsonElement>(new Uri(follower, "?order=desc&limit=100"), Cancel);
        var item = page.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == tx.Id);
        Assert.Equal("Preparing", item.GetProperty("state").GetString());
        Assert.Equal(3, item.GetProperty("participants").GetArrayLength());

        fake.AnswerPrepare = true; // the next Prepare resend is answered
        Assert.Equal(HttpStatusCode.OK, (await commit).StatusCode);
        await CommittedEverywhereAsync(tx.Id, orderId, sku, 9);
    }

    [Fact]
    public async Task Leader_KilledWhileTheTransactionIsActive_NewLeaderAbortsIt_AndAnnouncesItToTheParticipantsItDoesNotKnow()
    {
        // Enlistments are not logged on their own: the new leader cannot know Inventory and Payments enlisted, so it
        // must abort rather than commit a transaction with no (or some) participants. It cannot send them Abort, so it
        // announces the abort to every participant. Their recovery would find the branches only after its grace
        // period, set out of this test's reach here: the stock row stays locked until then, and under load every
        // later order for the same product waits behind it (what `scripts/demo.sh --kill-leader` showed).
        const string grace = "TransactionParticipant__RecoveryGracePeriod";
        string[] participants = ["inventory", "payments"];
        var original = await RestartWithAsync(participants, grace, "00:10:00");
        try
        {
            var (sku, customer) = await SeedAsync();
            var orderId = Guid.NewGuid();
            var tx = await stack.BeginAsync(timeoutSeconds: 15);
            (await stack.ReserveAsync(tx.Id, orderId, sku, 1)).EnsureSuccessStatusCode();
            (await stack.ChargeAsync(tx.Id, orderId, customer, 10m)).EnsureSuccessStatusCode();
            var leader = await stack.LeaderAsync();
            Assert.Equal(2, (await stack.GetAsync(tx.Id)).Participants.Count);
            Assert.Equal(2, await stack.Data.PreparedAsync(tx.Id));

            await stack.KillAsync(leader);
            Assert.NotEqual(leader, await stack.LeaderAsync(stack.FollowersOf(leader)));
            // Doomed, so aborted as the new leader takes over: well before its deadline, without anyone asking.
            await Eventually.HoldsAsync(async () => (await stack.GetAsync(tx.Id)).State == TransactionState.Aborted, TimeSpan.FromSeconds(5),
                "the new leader aborted the inherited Active transaction");
            await Eventually.HoldsAsync(async () => await stack.Data.PreparedAsync(tx.Id) == 0, TimeSpan.FromSeconds(10),
                "the prepared branches rolled back on the announcement");
            var commit = await stack.CommitAsync(tx.Id);

            Assert.Equal(HttpStatusCode.Conflict, commit.StatusCode);
            Assert.Equal("application/problem+json", commit.Content.Headers.ContentType?.MediaType);
            Assert.Contains("leader changed", await commit.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
            Assert.Equal(TransactionState.Aborted, (await stack.GetAsync(tx.Id)).State);
            Assert.Equal(10, await stack.Data.StockAsync(sku));
            Assert.False(await stack.Data.ReservationExistsAsync(orderId));
            Assert.False(await stack.Data.ChargeExistsAsync(orderId));
            await BringBackAsync(leader);
        }
        finally
        {
            await RestartWithAsync(participants, grace, original);
        }
    }

    [Fact]
    public async Task Leader_Killed_InheritedActiveTransactionsAbortedByCommitEnlistmentOrDeadline_AreAnnouncedToo()
    {
        // The takeover aborts such transactions at once (test above), so these paths are reached only in the window
        // before it does: the fault keeps each Active through the takeover to open that window. Each abort, whatever
        // makes it, must be announced, or the branches the new leader cannot know stay prepared until the
        // participants' recovery (its grace period set out of reach here).
        const string grace = "TransactionParticipant__RecoveryGracePeriod";
        string[] participants = ["inventory", "payments"];
        var original = await RestartWithAsync(participants, grace, "00:10:00");
        try
        {
            var kept = new Dictionary<string, string> { [FaultInjectionOptions.MetadataKey] = FaultInjectionOptions.KeepOnTakeover };
            var committed = await PreparedOrderAsync(timeoutSeconds: 60, kept);
            var enlisted = await PreparedOrderAsync(timeoutSeconds: 60, kept);
            var expiring = await PreparedOrderAsync(timeoutSeconds: 8, kept);
            var leader = await stack.LeaderAsync();

            await stack.KillAsync(leader);
            var successor = await stack.LeaderAsync(stack.FollowersOf(leader));
            await Eventually.HoldsAsync(async () => (await stack.StatusOfAsync(successor))?.Role == "Leader", Settle, $"{successor} took over");
            Assert.Equal(TransactionState.Active, (await stack.GetAsync(committed.Id)).State);
            Assert.Equal(TransactionState.Active, (await stack.GetAsync(enlisted.Id)).State);

            // The initiator's commit.
            var commit = await stack.CommitAsync(committed.Id);
            Assert.Equal(HttpStatusCode.Conflict, commit.StatusCode);
            Assert.Contains("leader changed", await commit.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
            // Another participant's enlistment.
            await using var fake = await FakeParticipant.StartAsync(stack.RabbitMq, stack.CoordinatorQueue, Cancel);
            Assert.Equal(HttpStatusCode.Conflict, (await stack.EnlistAsync(enlisted.Id, fake.ParticipantId, fake.Endpoint)).StatusCode);
            // The deadline: no one asks.
            await Eventually.HoldsAsync(async () => (await stack.GetAsync(expiring.Id)).State == TransactionState.Aborted, Settle,
                "the deadline aborted the third");
            Assert.StartsWith("timed out", (await stack.GetAsync(expiring.Id)).AbortReason, StringComparison.Ordinal);

            foreach (var tx in new[] { committed, enlisted, expiring })
            {
                Assert.Equal(TransactionState.Aborted, (await stack.GetAsync(tx.Id)).State);
                await Eventually.HoldsAsync(async () => await stack.Data.PreparedAsync(tx.Id) == 0, InDoubtAfterElection,
                    $"the prepared branches of {tx.Id} rolled back on the announcement");
            }

            await BringBackAsync(leader);
        }
        finally
        {
            await RestartWithAsync(participants, grace, original);
        }
    }

    /// <summary>A transaction in which Inventory and Payments have each prepared their part of an order.</summary>
    private async Task<TransactionView> PreparedOrderAsync(double timeoutSeconds, Dictionary<string, string> metadata)
    {
        var (sku, customer) = await SeedAsync();
        var orderId = Guid.NewGuid();
        var tx = await stack.BeginAsync(timeoutSeconds, metadata);
        (await stack.ReserveAsync(tx.Id, orderId, sku, 1)).EnsureSuccessStatusCode();
        (await stack.ChargeAsync(tx.Id, orderId, customer, 10m)).EnsureSuccessStatusCode();
        Assert.Equal(2, await stack.Data.PreparedAsync(tx.Id));
        return tx;
    }

    [Fact]
    public async Task Leader_KilledWhileTheTransactionIsActive_WithDurableEnlistments_NewLeaderKeepsItForItsInitiatorToCommit()
    {
        // Each enlistment is replicated before the participant hears it is enlisted: the new leader knows both
        // participants, has no reason to abort (as it must without the setting, test above), and the initiator's
        // commit, sent again to whoever leads now, commits the order.
        const string setting = "Coordinator__DurableEnlistments";
        var (sku, customer) = await SeedAsync();
        var original = await RestartReplicasWithAsync(setting, "true");
        try
        {
            var orderId = Guid.NewGuid();
            var tx = await OrderAsync(sku, customer, orderId);
            var leader = await stack.LeaderAsync();
            Assert.Equal(2, await stack.Data.PreparedAsync(tx.Id));

            await stack.KillAsync(leader);
            var successor = await stack.LeaderAsync(stack.FollowersOf(leader));
            // Elected is not yet taken over: until then it shows what it has applied, which may lack the last
            // enlistment (committed under the old leader, it is applied once the new term's first entry commits).
            await Eventually.HoldsAsync(async () => (await stack.StatusOfAsync(successor))?.Role == "Leader", Settle, $"{successor} took over");
            var inherited = (await stack.Http.GetFromJsonAsync<TransactionView>(new Uri(stack.UrlOf(successor), $"transactions/{tx.Id}"), Cancel))!;
            Assert.Equal(TransactionState.Active, inherited.State);
            Assert.Equal(["inventory", "payments"], inherited.Participants.Select(p => p.ParticipantId).Order());
            var commit = await stack.CommitAsync(tx.Id);

            Assert.Equal(HttpStatusCode.OK, commit.StatusCode);
            await CommittedEverywhereAsync(tx.Id, orderId, sku, stock: 9, InDoubtAfterElection);
            await BringBackAsync(leader);
        }
        finally
        {
            await RestartReplicasWithAsync(setting, original);
        }
    }

    /// <summary>Restarts every replica, one at a time, with one setting changed; returns what it was.</summary>
    private async Task<string?> RestartReplicasWithAsync(string key, string? value)
    {
        string? previous = null;
        foreach (var replica in stack.Replicas)
        {
            previous = stack.Configure(replica, key, value);
            await stack.KillAsync(replica);
            await BringBackAsync(replica);
        }

        return previous;
    }

    /// <summary>Restarts each of <paramref name="names"/> with one setting changed; returns what it was.</summary>
    private async Task<string?> RestartWithAsync(string[] names, string key, string? value)
    {
        string? previous = null;
        foreach (var name in names)
        {
            previous = stack.Configure(name, key, value);
            await stack.KillAsync(name);
            await stack.StartAsync(name);
        }

        return previous;
    }

    [Fact]
    public async Task Leader_KilledAfterTheDecisionIsCommittedBeforeParticipantsAreTold_NewLeaderTellsThem()
    {
        var (sku, customer) = await SeedAsync();
        var orderId = Guid.NewGuid();
        // The leader that decides this transaction kills itself once the decision is in the log, before sending.
        var tx = await OrderAsync(sku, customer, orderId,
            new() { [FaultInjectionOptions.MetadataKey] = FaultInjectionOptions.CrashAfterDecision });
        var leader = await stack.LeaderAsync();

        var answer = await stack.CommitAsync(tx.Id);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        await Eventually.HoldsAsync(async () => await stack.StatusOfAsync(leader) is null, Settle, $"{leader} killed itself after deciding");
        Assert.NotEqual(leader, await stack.LeaderAsync(stack.FollowersOf(leader)));
        await CommittedEverywhereAsync(tx.Id, orderId, sku, stock: 9, InDoubtAfterElection);
        await BringBackAsync(leader);
        Assert.Equal("Committed", await stack.StateInDatabaseAsync(leader, tx.Id));
    }

    [Fact]
    public async Task Leader_KilledWhileCommitting_NewLeaderResendsCommitUntilAcknowledged()
    {
        var (sku, customer) = await SeedAsync();
        await using var fake = await FakeParticipant.StartAsync(stack.RabbitMq, stack.CoordinatorQueue, Cancel);
        fake.Acknowledge = false;
        var orderId = Guid.NewGuid();
        var tx = await OrderAsync(sku, customer, orderId);
        (await stack.EnlistAsync(tx.Id, fake.ParticipantId, fake.Endpoint)).EnsureSuccessStatusCode();
        var leader = await stack.LeaderAsync();

        (await stack.CommitAsync(tx.Id)).EnsureSuccessStatusCode();
        Assert.Equal(TransactionState.Committing, (await stack.GetAsync(tx.Id)).State);
        await stack.KillAsync(leader);
        var commitsBefore = fake.Count<CommitTransaction>();
        fake.Acknowledge = true;

        Assert.NotEqual(leader, await stack.LeaderAsync(stack.FollowersOf(leader)));
        await CommittedEverywhereAsync(tx.Id, orderId, sku, stock: 9, InDoubtAfterElection);
        Assert.True(fake.Count<CommitTransaction>() > commitsBefore, "the new leader resent Commit");
        await BringBackAsync(leader);
    }

    [Fact]
    public async Task Follower_KilledAndRestarted_CatchesUpWithWhatItMissed()
    {
        var (sku, customer) = await SeedAsync();
        var leader = await stack.LeaderAsync();
        var follower = stack.FollowersOf(leader)[0];
        await stack.KillAsync(follower);

        var missed = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var orderId = Guid.NewGuid();
            var tx = await OrderAsync(sku, customer, orderId);
            (await stack.CommitAsync(tx.Id)).EnsureSuccessStatusCode();
            missed.Add(tx.Id);
        }

        await Eventually.HoldsAsync(async () => await stack.Data.StockAsync(sku) == 7, Settle, "three orders committed");
        await BringBackAsync(follower);
        foreach (var id in missed)
        {
            await Eventually.HoldsAsync(async () => await stack.StateInDatabaseAsync(follower, id) == "Committed", Settle,
                $"{follower} applied transaction {id}");
        }
    }

    [Fact]
    public async Task Follower_WhoseLogFails_StopsWithExitCode70_TheOthersDecide_AndRestartedItGoesOn()
    {
        var (sku, customer) = await SeedAsync();
        var leader = await stack.LeaderAsync();
        var follower = stack.FollowersOf(leader)[0];
        var orderId = Guid.NewGuid();
        // The follower's applier fails on the entry that logs this transaction's begin, as on an unreadable entry.
        var tx = await OrderAsync(sku, customer, orderId, new Dictionary<string, string>
        {
            [FaultInjectionOptions.MetadataKey] = FaultInjectionOptions.FailApplyPrefix + ServiceStack.ReplicaIdOf(follower),
        });

        // RaftReplica.LogFailedExitCode: the process stops for its supervisor to restart it, instead of staying in
        // the group unable to apply or replicate anything.
        Assert.Equal(70, await stack.WaitForExitAsync(follower, Settle));
        Assert.Contains("[9001]", stack.LogsOf(follower), StringComparison.Ordinal);
        Assert.Contains("[5012]", stack.LogsOf(follower), StringComparison.Ordinal);

        // The other two are a majority: the order commits without it.
        (await stack.CommitAsync(tx.Id)).EnsureSuccessStatusCode();
        await CommittedEverywhereAsync(tx.Id, orderId, sku, stock: 9);

        // Restarted, it replays the same entry (the fault counts only transactions begun after a start) and catches up.
        await BringBackAsync(follower);
        await Eventually.HoldsAsync(async () => await stack.StateInDatabaseAsync(follower, tx.Id) == "Committed", Settle,
            $"{follower} applied transaction {tx.Id}");
    }

    [Fact]
    public async Task AllReplicas_KilledAndRestarted_NothingIsLostAndEverythingCompletes()
    {
        var (sku, customer) = await SeedAsync();
        await using var fake = await FakeParticipant.StartAsync(stack.RabbitMq, stack.CoordinatorQueue, Cancel);
        fake.Acknowledge = false;
        var done = await OrderAsync(sku, customer, Guid.NewGuid());
        (await stack.CommitAsync(done.Id)).EnsureSuccessStatusCode();
        var orderId = Guid.NewGuid();
        var inFlight = await OrderAsync(sku, customer, orderId);
        (await stack.EnlistAsync(inFlight.Id, fake.ParticipantId, fake.Endpoint)).EnsureSuccessStatusCode();
        (await stack.CommitAsync(inFlight.Id)).EnsureSuccessStatusCode();
        Assert.Equal(TransactionState.Committing, (await stack.GetAsync(inFlight.Id)).State);

        await Task.WhenAll(stack.Replicas.Select(stack.KillAsync));
        fake.Acknowledge = true;
        await Task.WhenAll(stack.Replicas.Select(stack.StartAsync));

        await CommittedEverywhereAsync(inFlight.Id, orderId, sku, stock: 8);
        Assert.Equal(TransactionState.Committed, (await stack.GetAsync(done.Id)).State);
        foreach (var replica in stack.Replicas)
        {
            await stack.CaughtUpAsync(replica, Settle);
            Assert.Equal("Committed", await stack.StateInDatabaseAsync(replica, done.Id));
            Assert.Equal("Committed", await stack.StateInDatabaseAsync(replica, inFlight.Id));
        }
    }

    [Fact]
    public async Task Replica_DatabaseWiped_RebuildsFromSnapshotAndLog()
    {
        var (sku, customer) = await SeedAsync(stock: 100);
        // Enough changes to cross at least one snapshot (taken every 50 entries in this stack).
        var ids = new List<Guid>();
        for (var i = 0; i < 12; i++)
        {
            var tx = await OrderAsync(sku, customer, Guid.NewGuid());
            (await stack.CommitAsync(tx.Id)).EnsureSuccessStatusCode();
            ids.Add(tx.Id);
        }

        var leader = await stack.LeaderAsync();
        var victim = stack.FollowersOf(leader)[1];
        await stack.CaughtUpAsync(victim, Settle);
        await stack.KillAsync(victim);
        await WipeAsync(stack.DatabaseOf(victim));
        Assert.Equal(0, await CountAsync(stack.DatabaseOf(victim)));

        await BringBackAsync(victim);

        foreach (var id in ids)
        {
            Assert.Equal("Committed", await stack.StateInDatabaseAsync(victim, id));
        }

        await Eventually.HoldsAsync(async () => await CountAsync(stack.DatabaseOf(victim)) == await CountAsync(stack.DatabaseOf(leader)),
            Settle, "the rebuilt replica holds every transaction the leader holds");
    }

    [Fact]
    public async Task History_WithoutItsBounds_OrWithTooLargeAPage_IsRefusedWithAProblem()
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        var replica = stack.Replicas[0];
        foreach (var query in new[] { "cluster/history", "cluster/history?after=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z&limit=5000" })
        {
            using var response = await stack.Http.GetAsync(new Uri(stack.UrlOf(replica), query), Cancel);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Follower_BehindLongerThanTheSnapshotHistory_FetchesWhatFinishedMeanwhileFromAPeer()
    {
        var (sku, customer) = await SeedAsync(stock: 100);
        var leader = await stack.LeaderAsync();
        var (behind, other) = (stack.FollowersOf(leader)[0], stack.FollowersOf(leader)[1]);
        var seen = await OrderAsync(sku, customer, Guid.NewGuid());
        (await stack.CommitAsync(seen.Id)).EnsureSuccessStatusCode();
        await Eventually.HoldsAsync(async () => await stack.StateInDatabaseAsync(behind, seen.Id) == "Committed", Settle,
            $"{behind} applied an order before it went down");
        await stack.KillAsync(behind);
        // The two that go on keep two seconds of history in their snapshots (the stack's default is an hour).
        const string history = "Coordinator__Cluster__SnapshotHistory";
        try
        {
            foreach (var replica in new[] { other, leader })
            {
                stack.Configure(replica, history, "00:00:02");
                await stack.KillAsync(replica);
                await stack.StartAsync(replica);
            }

            await stack.LeaderAsync([leader, other]);
            var missed = new List<Guid>();
            for (var i = 0; i < 12; i++)
            {
                var tx = await OrderAsync(sku, customer, Guid.NewGuid());
                (await stack.CommitAsync(tx.Id)).EnsureSuccessStatusCode();
                missed.Add(tx.Id);
            }

            // Past the history, and enough entries after it for a snapshot (every 50) without the first orders.
            await Task.Delay(TimeSpan.FromSeconds(3), Cancel);
            for (var i = 0; i < 40; i++)
            {
                var tx = await OrderAsync(sku, customer, Guid.NewGuid());
                (await stack.CommitAsync(tx.Id)).EnsureSuccessStatusCode();
            }

            // Behind the leader's compacted log: it installs the leader's snapshot, which lacks the first orders. The
            // install answers once the snapshot is on disk, before this freshly started process writes it into its
            // database: a leader that gave up waiting would send it again, and the follower refuse it as one it holds,
            // until the leader's next snapshot (which nothing here would cause).
            await BringBackAsync(behind);
            foreach (var id in missed)
            {
                await Eventually.HoldsAsync(async () => await stack.StateInDatabaseAsync(behind, id) == "Committed", Settle,
                    $"{behind} fetched transaction {id}, which finished while it was down, from a peer");
            }
        }
        finally
        {
            foreach (var replica in new[] { other, leader })
            {
                stack.Configure(replica, history, null);
                await stack.KillAsync(replica);
                await stack.StartAsync(replica);
            }
        }
    }

    [Fact]
    public async Task Replica_CutOffFromTheMajority_RefusesToDecideAndSaysWhy_ThenCatchesUp()
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        var leader = await stack.LeaderAsync();
        var (cut, alone) = (stack.FollowersOf(leader)[0], stack.FollowersOf(leader)[1]);

        // SIGSTOP: to the lone replica the other two simply stop answering, as behind a network partition.
        stack.Pause(leader);
        stack.Pause(cut);
        try
        {
            await Eventually.HoldsAsync(async () => (await stack.StatusOfAsync(alone))?.Leader is null, Settle,
                $"{alone} notices it has no leader");
            var refused = await stack.Http.PostAsJsonAsync(new Uri(stack.UrlOf(alone), "transactions"), new BeginTransactionRequest(10), Cancel);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Contains("majority", await refused.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        }
        finally
        {
            stack.Resume(leader);
            stack.Resume(cut);
        }

        var (sku, customer) = await SeedAsync();
        var orderId = Guid.NewGuid();
        var tx = await OrderAsync(sku, customer, orderId);
        var commit = await stack.Http.PostAsync(new Uri(stack.UrlOf(alone), $"transactions/{tx.Id}/commit"), null, Cancel);
        Assert.Equal(HttpStatusCode.OK, commit.StatusCode);
        await CommittedEverywhereAsync(tx.Id, orderId, sku, stock: 9);
        await stack.CaughtUpAsync(alone, Settle);
        Assert.Equal("Committed", await stack.StateInDatabaseAsync(alone, tx.Id));
    }

    [Fact]
    public async Task Follower_AdminHeuristicAbort_IsDecidedByTheLeaderAndItsAuditReachesEveryReplica()
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        var leader = await stack.LeaderAsync();
        var follower = stack.FollowersOf(leader)[0];
        var tx = await stack.BeginAsync(timeoutSeconds: 30);
        var operatorName = "op-" + Guid.NewGuid().ToString("N")[..8];

        using var answer = await stack.Http.PostAsJsonAsync(new Uri(stack.UrlOf(follower), $"admin/transactions/{tx.Id}/heuristic-abort"),
            new { reason = "cleared by the replication test", @operator = operatorName }, Cancel);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(stack.UrlOf(leader).AbsoluteUri, Assert.Single(answer.Headers.GetValues("Txc-Leader-Url")));
        Assert.Equal(TransactionState.Aborted, (await stack.GetAsync(tx.Id)).State);
        foreach (var replica in stack.Replicas)
        {
            await stack.CaughtUpAsync(replica, Settle);
            Assert.Equal("Aborted", await stack.StateInDatabaseAsync(replica, tx.Id));
            Assert.Contains(operatorName, await AuditInDatabaseAsync(stack.DatabaseOf(replica), tx.Id), StringComparison.Ordinal);
        }
    }

    private static async Task<string> AuditInDatabaseAsync(string connectionString, Guid transactionId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT audit::text FROM transactions WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", transactionId);
        return (string?)await command.ExecuteScalarAsync() ?? "";
    }

    private static async Task WipeAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("DROP TABLE participants, transactions, \"__EFMigrationsHistory\"", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand("SELECT to_regclass('transactions') IS NOT NULL", connection);
        if (!(bool)(await exists.ExecuteScalarAsync())!)
        {
            return 0;
        }

        await using var count = new NpgsqlCommand("SELECT count(*) FROM transactions", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
