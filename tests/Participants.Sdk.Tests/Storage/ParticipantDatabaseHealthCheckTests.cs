using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TxCoordinator.Participants.Sdk.Tests.Infrastructure;
using TxCoordinator.Participants.Storage;

namespace TxCoordinator.Participants.Sdk.Tests.Storage;

public sealed class ParticipantDatabaseHealthCheckTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public void Evaluate_NoPreparedTransactionSlots_FailsAndSaysHowToFixIt()
    {
        var result = ParticipantDatabaseHealthCheck.Evaluate(0, HealthStatus.Unhealthy);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("max_prepared_transactions = 0", result.Description, StringComparison.Ordinal);
        Assert.Contains("restart it with max_prepared_transactions", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_SlotsConfigured_HealthyWithTheSetting()
    {
        var result = ParticipantDatabaseHealthCheck.Evaluate(400, HealthStatus.Unhealthy);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal(400, result.Data["max_prepared_transactions"]);
    }

    [Fact]
    public async Task Readiness_AgainstTheTestServer_ReadsItsSetting()
    {
        await using var harness = await ParticipantHarness.CreateAsync(database.RequireConnectionString());

        var report = await harness.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken);

        var entry = Assert.Single(report.Entries).Value;
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.True((int)entry.Data["max_prepared_transactions"] > 0);
    }
}
