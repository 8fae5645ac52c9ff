using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace TxCoordinator.Coordinator.Tests.Diagnostics;

/// <summary>What /health/ready checks (the checks tagged "ready"); nothing is connected to.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task AddCoordinator_Alone_ReadyNeedsPostgresAndRabbitMq()
    {
        var ready = await ReadyChecksAsync([]);

        Assert.Contains("postgresql", ready);
        Assert.Contains("masstransit-bus", ready);
        Assert.DoesNotContain("raft-leader", ready);
    }

    [Fact]
    public async Task AddCoordinator_Replicated_ReadyAlsoNeedsALeader()
    {
        var ready = await ReadyChecksAsync(new()
        {
            ["Coordinator:Cluster:ReplicaId"] = "r1",
            ["Coordinator:Cluster:DataPath"] = Path.GetTempPath(),
            ["Coordinator:Cluster:Members:0:Id"] = "r1",
            ["Coordinator:Cluster:Members:0:RaftEndPoint"] = "127.0.0.1:7001",
            ["Coordinator:Cluster:Members:0:HttpUrl"] = "http://127.0.0.1:5001",
            ["Coordinator:Cluster:Members:1:Id"] = "r2",
            ["Coordinator:Cluster:Members:1:RaftEndPoint"] = "127.0.0.1:7002",
            ["Coordinator:Cluster:Members:1:HttpUrl"] = "http://127.0.0.1:5002",
            ["Coordinator:Cluster:Members:2:Id"] = "r3",
            ["Coordinator:Cluster:Members:2:RaftEndPoint"] = "127.0.0.1:7003",
            ["Coordinator:Cluster:Members:2:HttpUrl"] = "http://127.0.0.1:5003",
        });

        Assert.Contains("postgresql", ready);
        Assert.Contains("masstransit-bus", ready);
        Assert.Contains("raft-leader", ready);
    }

    private static async Task<List<string>> ReadyChecksAsync(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Coordinator"] = "Host=127.0.0.1;Database=unused",
            ["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:5672/",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddCoordinator();
        await using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations
            .Where(r => r.Tags.Contains("ready"))
            .Select(r => r.Name)
            .ToList();
    }
}
