using TxCoordinator.Coordinator.Cluster;

namespace TxCoordinator.Coordinator.Tests.Infrastructure;

/// <summary>Cluster configurations of replicas on one host: replica-a, replica-b, … with Raft ports 7001… and HTTP ports 5001….</summary>
internal static class Replicas
{
    public static string IdOf(int index) => $"replica-{(char)('a' + index)}";

    public static string RaftEndPointOf(int index) => $"127.0.0.1:{7001 + index}";

    public static Uri HttpUrlOf(int index) => new($"http://127.0.0.1:{5001 + index}/");

    /// <summary>A valid group of <paramref name="count"/> replicas, seen from replica-a.</summary>
    public static ClusterOptions Group(int count = 3) => new()
    {
        ReplicaId = IdOf(0),
        DataPath = "/var/lib/txc/raft",
        Members = [.. Enumerable.Range(0, count).Select(i => new ClusterMember { Id = IdOf(i), RaftEndPoint = RaftEndPointOf(i), HttpUrl = HttpUrlOf(i) })],
    };
}
