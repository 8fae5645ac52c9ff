using System.Net.Http.Json;
using Npgsql;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.IntegrationTests.Stack;

namespace TxCoordinator.IntegrationTests.Cluster;

/// <summary>The stack with a Raft group of three coordinator replicas, each with its own database and log.</summary>
public sealed class ClusterStack : ServiceStack
{
    public ClusterStack()
        : base(replicas: 3, new Dictionary<string, string>
        {
            // Small, so that the tests cross snapshots and log compaction.
            ["Coordinator__Cluster__SnapshotEvery"] = "50",
            // Longer than the collection runs: a replica rebuilt from a snapshot then holds every transaction the
            // leader does (ReplicationTests); that a snapshot leaves older finished ones out is ReplicatedStateMachineTests'.
            ["Coordinator__Cluster__SnapshotHistory"] = "01:00:00",
            // Lets a test's transaction ask, through its metadata, for the leader to crash at a chosen point.
            ["Coordinator__Faults__Enabled"] = "true",
        })
    {
    }

    /// <summary>One replica's own view; null when it does not answer.</summary>
    public async Task<ReplicaStatus?> StatusOfAsync(string replica)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            return await Http.GetFromJsonAsync<ReplicaStatus>(new Uri(UrlOf(replica), "cluster/self"), timeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// The replica that every answering replica of <paramref name="among"/> names as leader, once they agree and it
    /// is one of them (a dead leader is still named by its followers until they time out).
    /// </summary>
    public async Task<string> LeaderAsync(IReadOnlyCollection<string>? among = null)
    {
        among ??= Replicas;
        string? leader = null;
        try
        {
            await Eventually.HoldsAsync(async () =>
            {
                var statuses = await Task.WhenAll(among.Select(StatusOfAsync));
                var named = statuses.Where(s => s is not null).Select(s => s!.Leader).Distinct().ToList();
                leader = named is [{ } only] && among.Contains(ReplicaName(only)) ? ReplicaName(only) : null;
                return leader is not null;
            }, TimeSpan.FromSeconds(20), "the replicas agree on a leader among " + string.Join(", ", among));
        }
        catch (Xunit.Sdk.XunitException ex)
        {
            Assert.Fail(ex.Message + Describe(Replicas));
        }

        return leader!;
    }

    /// <summary>
    /// Starts again every replica an earlier test left dead (it failed after killing one), so that one failure
    /// stays one failure instead of failing every test after it.
    /// </summary>
    public async Task AllRunningAsync()
    {
        await Task.WhenAll(Replicas.Where(r => !IsRunning(r)).Select(StartAsync));
    }

    public IReadOnlyList<string> FollowersOf(string leader) => [.. Replicas.Where(r => r != leader)];

    /// <summary>Waits until the replica has applied everything the leader has committed.</summary>
    public async Task CaughtUpAsync(string replica, TimeSpan within)
    {
        await Eventually.HoldsAsync(async () =>
        {
            var leader = await LeaderAsync();
            var (self, leading) = (await StatusOfAsync(replica), await StatusOfAsync(leader));
            return self is not null && leading is not null && self.AppliedIndex >= leading.CommitIndex;
        }, within, $"{replica} applied the leader's log");
    }

    /// <summary>The transaction's state in one replica's own database (its applied state), null when absent.</summary>
    public async Task<string?> StateInDatabaseAsync(string replica, Guid transactionId)
    {
        await using var connection = new NpgsqlConnection(DatabaseOf(replica));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT state FROM transactions WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", transactionId);
        return (string?)await command.ExecuteScalarAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterStack>
{
    public const string Name = "cluster";
}
