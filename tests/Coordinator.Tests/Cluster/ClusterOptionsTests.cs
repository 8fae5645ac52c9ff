using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Lone;
using TxCoordinator.Coordinator.Tests.Infrastructure;

namespace TxCoordinator.Coordinator.Tests.Cluster;

public sealed class ClusterOptionsTests
{
    /// <summary>
    /// Registers the coordinator exactly as <c>Program.cs</c> does, with the given "Coordinator:Cluster" settings.
    /// Nothing is started: the connection strings only need to be well-formed.
    /// </summary>
    private static ServiceProvider Register(IDictionary<string, string?> clusterSettings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Coordinator"] = "Host=127.0.0.1;Database=txc_coordinator",
            ["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:5672/",
        };
        foreach (var (key, value) in clusterSettings)
        {
            configuration[$"{ClusterOptions.SectionName}:{key}"] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.AddCoordinator();
        return builder.Services.BuildServiceProvider();
    }

    /// <summary>The settings of a valid group of <paramref name="count"/> replicas, as replica-a reads them.</summary>
    private static Dictionary<string, string?> GroupSettings(int count = 3)
    {
        var settings = new Dictionary<string, string?> { ["ReplicaId"] = Replicas.IdOf(0), ["DataPath"] = "/var/lib/txc/raft" };
        for (var i = 0; i < count; i++)
        {
            settings[$"Members:{i}:Id"] = Replicas.IdOf(i);
            settings[$"Members:{i}:RaftEndPoint"] = Replicas.RaftEndPointOf(i);
            settings[$"Members:{i}:HttpUrl"] = Replicas.HttpUrlOf(i).ToString();
        }

        return settings;
    }

    [Fact]
    public void FindByRaftEndPoint_EndPointOfAMember_ReturnsThatMember()
    {
        var options = Replicas.Group();

        var found = options.FindByRaftEndPoint(new IPEndPoint(IPAddress.Loopback, 7002));

        Assert.Same(options.Members[1], found);
    }

    [Fact]
    public void FindByRaftEndPoint_IPv6EndPointWrittenShort_MatchesTheParsedAddress()
    {
        var options = Replicas.Group();
        options.Members[2].RaftEndPoint = "[::1]:7003";

        var found = options.FindByRaftEndPoint(new IPEndPoint(IPAddress.Parse("0:0:0:0:0:0:0:1"), 7003));

        Assert.Same(options.Members[2], found);
    }

    [Fact]
    public void FindByRaftEndPoint_SameAddressOtherPort_ReturnsNull()
    {
        Assert.Null(Replicas.Group().FindByRaftEndPoint(new IPEndPoint(IPAddress.Loopback, 7004)));
    }

    [Fact]
    public void FindByRaftEndPoint_SamePortOtherAddress_ReturnsNull()
    {
        Assert.Null(Replicas.Group().FindByRaftEndPoint(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 7001)));
    }

    [Fact]
    public void FindByRaftEndPoint_HostNameEndPoint_ReturnsNullBecauseMembersAreAddresses()
    {
        Assert.Null(Replicas.Group().FindByRaftEndPoint(new DnsEndPoint("localhost", 7001)));
    }

    [Fact]
    public void FindByRaftEndPoint_NoEndPoint_ReturnsNull()
    {
        Assert.Null(Replicas.Group().FindByRaftEndPoint(null));
    }

    [Fact]
    public void FindByRaftEndPoint_MemberWithoutAParsableEndPoint_IsSkipped()
    {
        var options = Replicas.Group();
        options.Members[0].RaftEndPoint = null;
        options.Members[1].RaftEndPoint = "not an endpoint";

        var found = options.FindByRaftEndPoint(new IPEndPoint(IPAddress.Loopback, 7003));

        Assert.Same(options.Members[2], found);
    }

    [Fact]
    public void Self_ReplicaIdOfAMember_ReturnsThatMember()
    {
        var options = Replicas.Group();
        options.ReplicaId = Replicas.IdOf(2);

        Assert.Same(options.Members[2], options.Self());
    }

    [Fact]
    public void Self_ReplicaIdNotAMember_ThrowsNamingTheId()
    {
        var options = Replicas.Group();
        options.ReplicaId = "replica-z";

        var error = Assert.Throws<InvalidOperationException>(options.Self);

        Assert.Equal("Coordinator:Cluster:ReplicaId 'replica-z' is not one of the members.", error.Message);
    }

    [Fact]
    public async Task AddCoordinator_NoClusterSection_PassesStartUpValidationAndDecidesAlone()
    {
        await using var provider = Register(new Dictionary<string, string?>());

        provider.GetRequiredService<IStartupValidator>().Validate();

        Assert.False(provider.GetRequiredService<IOptions<ClusterOptions>>().Value.Enabled);
        Assert.IsType<LoneLog>(provider.GetRequiredService<IImageLog>());
    }

    [Fact]
    public async Task AddCoordinator_ValidClusterSection_IsBoundPassesStartUpValidationAndReplicates()
    {
        // RaftReplica is only IAsyncDisposable: the container must be disposed asynchronously.
        await using var provider = Register(GroupSettings());

        provider.GetRequiredService<IStartupValidator>().Validate();
        var options = provider.GetRequiredService<IOptions<ClusterOptions>>().Value;

        Assert.Equal(("replica-a", "/var/lib/txc/raft", 3), (options.ReplicaId, options.DataPath, options.Members.Count));
        Assert.Equal(
            [
                ("replica-a", "127.0.0.1:7001", new Uri("http://127.0.0.1:5001/")),
                ("replica-b", "127.0.0.1:7002", new Uri("http://127.0.0.1:5002/")),
                ("replica-c", "127.0.0.1:7003", new Uri("http://127.0.0.1:5003/")),
            ],
            options.Members.Select(m => (m.Id, m.RaftEndPoint, m.HttpUrl)));
        Assert.IsType<RaftReplica>(provider.GetRequiredService<IImageLog>());
    }

    [Fact]
    public void AddCoordinator_InvalidClusterSection_FailsStartUpValidation()
    {
        var settings = GroupSettings(count: 2);
        settings["Members:1:RaftEndPoint"] = "replica-b:7002";
        using var provider = Register(settings);

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Equal(typeof(ClusterOptions), error.OptionsType);
        Assert.Equal(
            [
                "Coordinator:Cluster:Members must list 3, 5 or 7 replicas (a majority must survive a failure), not 2.",
                "Coordinator:Cluster:Members:1:RaftEndPoint must be ip:port, not 'replica-b:7002'.",
            ],
            error.Failures);
    }

    [Fact]
    public void AddCoordinator_ClusterSettingOutOfRange_FailsStartUpValidationAlongsideTheClusterRules()
    {
        var settings = GroupSettings();
        settings["MaxBatch"] = "0";
        settings["LowerElectionTimeoutMs"] = "3000";
        using var provider = Register(settings);

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Equal(typeof(ClusterOptions), error.OptionsType);
        Assert.Equal(
            [
                "DataAnnotation validation failed for 'ClusterOptions' members: 'MaxBatch' with the error: 'The field MaxBatch must be between 1 and 10000.'.",
                "Coordinator:Cluster:LowerElectionTimeoutMs must be below UpperElectionTimeoutMs.",
            ],
            error.Failures);
    }

    [Theory]
    [InlineData("DatabaseWriteDelay", "00:00:30", "The field DatabaseWriteDelay must be between 00:00:00 and 00:00:10.")]
    [InlineData("MaxAppendRequestBytes", "1000", "The field MaxAppendRequestBytes must be between 4096 and 67108864.")]
    public void AddCoordinator_ClusterSettingOutOfItsRange_FailsStartUpValidationNamingIt(string setting, string value, string message)
    {
        var settings = GroupSettings();
        settings[setting] = value;
        using var provider = Register(settings);

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Equal([$"DataAnnotation validation failed for 'ClusterOptions' members: '{setting}' with the error: '{message}'."], error.Failures);
    }
}
