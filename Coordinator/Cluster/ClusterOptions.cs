using System.ComponentModel.DataAnnotations;
using System.Net;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// Replication of the decision log with Raft, bound from "Coordinator:Cluster". Without members the coordinator runs
/// alone and writes PostgreSQL directly; with members (3 or 5) every change is a Raft entry committed by a majority
/// before anything is sent, and each replica applies the log to its own database.
/// </summary>
public sealed class ClusterOptions
{
    public const string SectionName = "Coordinator:Cluster";

    /// <summary>This replica's id: one of <see cref="Members"/>.</summary>
    public string? ReplicaId { get; set; }

    /// <summary>Every replica of the group, this one included; the same list on every replica.</summary>
    public IList<ClusterMember> Members { get; set; } = [];

    /// <summary>Folder of this replica's write-ahead log and snapshots; must survive restarts.</summary>
    public string? DataPath { get; set; }

    /// <summary>
    /// Election timeout range: a follower that hears no leader for this long starts an election; the leader's
    /// heartbeat is half the lower bound. Shorter fails over faster, but on a starved machine late heartbeats then
    /// trigger needless elections (measured on 2 cores: 400-800 ms gave several per demo run).
    /// </summary>
    [Range(50, 60_000)]
    public int LowerElectionTimeoutMs { get; set; } = 1_000;

    [Range(100, 120_000)]
    public int UpperElectionTimeoutMs { get; set; } = 2_000;

    /// <summary>How long a change may wait for a majority before the request fails with 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:05:00")]
    public TimeSpan ReplicationTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A snapshot of the applied state is taken every this many log entries; older entries are then dropped. Every
    /// replica takes each one from memory and writes it beside its applier; etcd's default is the same.
    /// </summary>
    [Range(10, 10_000_000)]
    public int SnapshotEvery { get; set; } = 10_000;

    /// <summary>
    /// A snapshot holds every unfinished transaction and the finished ones begun this recently (at most the newest
    /// 20,000, which each replica keeps in memory for it); older history stays in each replica's database but is not
    /// rebuilt from a snapshot (a wiped database), and a follower that receives the leader's snapshot after being
    /// behind for longer than this lacks the transactions that finished meanwhile.
    /// </summary>
    /// <remarks>
    /// With DotNext's own state machine no entry was applied until a snapshot was written, so every decision waited
    /// for it: read from the database, a minute of history at ~300 transactions a second stalled orders for up to
    /// 2.6 s, and the default was five seconds; taken from memory, the same minute cost 97-371 ms, and five seconds
    /// left a follower restarted for ten seconds without the history of what finished meanwhile. Written beside the
    /// applier, a snapshot holds it for a few milliseconds at most, and a longer history costs only the background
    /// write (docs/benchmarks.md, steps 26-29; docs/reliability.md, item 13).
    /// </remarks>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan SnapshotHistory { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Pause between two pages of history fetched from a peer (<c>GET /cluster/history</c>, 1,000 finished transactions
    /// each) after a snapshot. A replica rebuilt with an empty database fetches everything its peers keep (up to
    /// <c>Coordinator:FinishedRetention</c>, a day): unpaced, that is a stream of queries on the leader's database
    /// and writes on its own, taken from the transactions being decided. At the default, at most 10,000 a second.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan HistoryPagePause { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long a replica may hold applied changes before writing them to its database, newest per transaction (zero:
    /// write each entry as it is applied). Its database is then at most this far behind its log; no change waits on
    /// it, since the leader reads what it has not written yet from memory and writes everything before it leads.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan DatabaseWriteDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Most bytes of log entries the leader sends a follower in one request (at least one entry goes). A follower
    /// must take a request within the lower election timeout; one back after minutes away lacks megabytes, which it
    /// then receives over several requests instead of timing out on all of them at once (docs/reliability.md, item 15).
    /// </summary>
    [Range(typeof(long), "4096", "67108864")]
    public long MaxAppendRequestBytes { get; set; } = 512 * 1024;

    /// <summary>Most transaction changes carried by one log entry.</summary>
    [Range(1, 10_000)]
    public int MaxBatch { get; set; } = 256;

    public bool Enabled => Members.Count > 0;

    public ClusterMember Self() =>
        Members.FirstOrDefault(m => string.Equals(m.Id, ReplicaId, StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"Coordinator:Cluster:ReplicaId '{ReplicaId}' is not one of the members.");

    public ClusterMember? FindByRaftEndPoint(EndPoint? endPoint) => endPoint is IPEndPoint ip
        ? Members.FirstOrDefault(m => IPEndPoint.TryParse(m.RaftEndPoint ?? "", out var parsed) && parsed.Equals(ip))
        : null;
}

/// <summary>One replica: its Raft (TCP) address and the HTTP address of its API.</summary>
public sealed class ClusterMember
{
    public string? Id { get; set; }

    /// <summary>host:port of the Raft transport, an IP address (e.g. 127.0.0.1:7001).</summary>
    public string? RaftEndPoint { get; set; }

    /// <summary>Base URL of the replica's HTTP API, used to forward requests to the leader.</summary>
    public Uri? HttpUrl { get; set; }
}
