namespace TxCoordinator.Samples.LoadRunner.Tests;

public sealed class OptionsTests
{
    private static readonly string[] Final =
        ["final", "--inventory-db", "Host=h;Database=i", "--payments-db", "Host=h;Database=p", "--coordinator-db", "Host=h;Database=c", "--history", "h.jsonl"];

    [Fact]
    public void Parse_FinalWithReplicaDbs_NamesEachReplicasConnectionString()
    {
        var options = Options.Parse([.. Final, "--replica-dbs", "r1=Host=h;Database=coordinator_r1|r2=Host=h;Database=coordinator_r2"]);

        Assert.Equal(["r1", "r2"], options.ReplicaDbs.Keys.Order());
        Assert.Contains("Database=coordinator_r2", options.ReplicaDbs["r2"], StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FinalWithoutReplicaDbs_ComparesNoReplicas()
    {
        Assert.Empty(Options.Parse(Final).ReplicaDbs);
    }

    [Theory]
    [InlineData("coordinator_r1", "--replica-dbs must be NAME=CONNSTR entries separated by '|', not 'coordinator_r1'")]
    [InlineData("r1=Host=h|r1=Host=g", "--replica-dbs names replica 'r1' twice")]
    [InlineData("r1=Database=c", "--replica-dbs must name a Host")]
    public void Parse_MalformedReplicaDbs_FailsSayingWhy(string value, string message)
    {
        var error = Assert.Throws<OptionsException>(() => Options.Parse([.. Final, "--replica-dbs", value]));

        Assert.Equal(message, error.Message);
    }
}
