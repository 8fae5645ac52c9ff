using Microsoft.Extensions.Options;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Tests.Infrastructure;

namespace TxCoordinator.Coordinator.Tests.Cluster;

public sealed class ClusterOptionsValidatorTests
{
    private static string CountFailure(int count) =>
        $"Coordinator:Cluster:Members must list 3, 5 or 7 replicas (a majority must survive a failure), not {count}.";

    private static ValidateOptionsResult Validate(ClusterOptions options) => new ClusterOptionsValidator().Validate(name: null, options);

    private static IEnumerable<string> Failures(ClusterOptions options)
    {
        var result = Validate(options);
        Assert.True(result.Failed);
        return result.Failures!;
    }

    [Fact]
    public void Validate_NoMembers_SucceedsWhateverElseIsSetBecauseReplicationIsOff()
    {
        var options = new ClusterOptions { ReplicaId = "not a valid id", DataPath = null, LowerElectionTimeoutMs = 5_000, UpperElectionTimeoutMs = 100 };

        Assert.False(options.Enabled);
        Assert.Same(ValidateOptionsResult.Success, Validate(options));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    public void Validate_OddGroupOfValidReplicas_Succeeds(int count)
    {
        var options = Replicas.Group(count);

        Assert.True(options.Enabled);
        Assert.Same(ValidateOptionsResult.Success, Validate(options));
    }

    [Fact]
    public void Validate_IPv6EndPointHttpsUrlLongestIdAndLowerTimeoutJustBelowUpper_Succeeds()
    {
        var options = Replicas.Group();
        options.Members[0].RaftEndPoint = "[::1]:7001";
        options.Members[1].HttpUrl = new Uri("https://replica-b.internal:8443/");
        options.Members[2].Id = "r" + new string('9', 30) + "-";
        options.LowerElectionTimeoutMs = 1_999;

        Assert.Equal(32, options.Members[2].Id!.Length);
        Assert.Same(ValidateOptionsResult.Success, Validate(options));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(8)]
    public void Validate_MemberCountOtherThanThreeFiveOrSeven_IsRejected(int count)
    {
        Assert.Equal([CountFailure(count)], Failures(Replicas.Group(count)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Replica-B")]
    [InlineData("-replica-b")]
    [InlineData("replica_b")]
    [InlineData("replica b")]
    [InlineData("replica-b\n")]
    [InlineData("replica-é")]
    [InlineData("r123456789012345678901234567890-x")] // 33 characters
    public void Validate_BadReplicaId_IsRejectedNamingTheMember(string? id)
    {
        var options = Replicas.Group();
        options.Members[1].Id = id;

        Assert.Equal(
            ["Coordinator:Cluster:Members:1:Id must be 1-32 characters: lower-case letters, digits or '-'."], Failures(options));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("localhost:7002")]
    [InlineData("127.0.0.1")] // parses, with port 0
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:-1")]
    [InlineData("tcp://127.0.0.1:7002")]
    public void Validate_BadRaftEndPoint_IsRejectedQuotingTheValue(string? endPoint)
    {
        var options = Replicas.Group();
        options.Members[1].RaftEndPoint = endPoint;

        Assert.Equal([$"Coordinator:Cluster:Members:1:RaftEndPoint must be ip:port, not '{endPoint}'."], Failures(options));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("ftp://127.0.0.1:5002/")]
    [InlineData("file:///var/lib/txc")]
    [InlineData("mailto:ops@example.com")]
    [InlineData("replica-b/api")]
    public void Validate_HttpUrlNotAnAbsoluteHttpUrl_IsRejected(string? url)
    {
        var options = Replicas.Group();
        options.Members[2].HttpUrl = url is null ? null : new Uri(url, UriKind.RelativeOrAbsolute);

        Assert.Equal(["Coordinator:Cluster:Members:2:HttpUrl must be an absolute http(s) URL."], Failures(options));
    }

    [Fact]
    public void Validate_DuplicateReplicaIds_AreRejected()
    {
        var options = Replicas.Group();
        options.Members[2].Id = "replica-b";

        Assert.Equal(["Coordinator:Cluster:Members: replica ids must be unique."], Failures(options));
    }

    [Fact]
    public void Validate_DuplicateRaftEndPoints_AreRejected()
    {
        var options = Replicas.Group();
        options.Members[2].RaftEndPoint = "127.0.0.1:7002";

        Assert.Equal(["Coordinator:Cluster:Members: Raft endpoints must be unique."], Failures(options));
    }

    [Theory]
    [InlineData("replica-z", "replica-z")]
    [InlineData("REPLICA-A", "REPLICA-A")]
    [InlineData(null, "")]
    public void Validate_ReplicaIdNotAMember_IsRejected(string? replicaId, string shown)
    {
        var options = Replicas.Group();
        options.ReplicaId = replicaId;

        Assert.Equal([$"Coordinator:Cluster:ReplicaId '{shown}' must be the id of one of the members."], Failures(options));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Validate_MissingDataPath_IsRejected(string? dataPath)
    {
        var options = Replicas.Group();
        options.DataPath = dataPath;

        Assert.Equal(["Coordinator:Cluster:DataPath must name the folder of this replica's write-ahead log."], Failures(options));
    }

    [Theory]
    [InlineData(2_000, 2_000)]
    [InlineData(3_000, 2_000)]
    public void Validate_LowerElectionTimeoutNotBelowUpper_IsRejected(int lower, int upper)
    {
        var options = Replicas.Group();
        options.LowerElectionTimeoutMs = lower;
        options.UpperElectionTimeoutMs = upper;

        Assert.Equal(["Coordinator:Cluster:LowerElectionTimeoutMs must be below UpperElectionTimeoutMs."], Failures(options));
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsEachInOrder()
    {
        var options = Replicas.Group(2);
        options.ReplicaId = "replica-c";
        options.Members[0].Id = "Replica-A";
        options.Members[1].RaftEndPoint = "127.0.0.1";
        options.Members[1].HttpUrl = null;
        options.DataPath = null;
        options.LowerElectionTimeoutMs = 2_000;

        Assert.Equal(
            [
                CountFailure(2),
                "Coordinator:Cluster:Members:0:Id must be 1-32 characters: lower-case letters, digits or '-'.",
                "Coordinator:Cluster:Members:1:RaftEndPoint must be ip:port, not '127.0.0.1'.",
                "Coordinator:Cluster:Members:1:HttpUrl must be an absolute http(s) URL.",
                "Coordinator:Cluster:ReplicaId 'replica-c' must be the id of one of the members.",
                "Coordinator:Cluster:DataPath must name the folder of this replica's write-ahead log.",
                "Coordinator:Cluster:LowerElectionTimeoutMs must be below UpperElectionTimeoutMs.",
            ],
            Failures(options));
    }
}
