using Npgsql;
using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Tests.Persistence;

public sealed class CoordinatorConnectionDefaultsTests
{
    [Fact]
    public void Apply_NothingGiven_SkipsTheResetAndPreparesStatements()
    {
        const string connectionString = "Host=127.0.0.1;Port=5432;Database=coordinator";
        var settings = new NpgsqlConnectionStringBuilder(connectionString);

        CoordinatorConnectionDefaults.Apply(settings, connectionString);

        Assert.True(settings.NoResetOnClose);
        Assert.Equal(CoordinatorConnectionDefaults.MaxAutoPrepare, settings.MaxAutoPrepare);
    }

    [Theory]
    [InlineData("Host=h;No Reset On Close=false;Max Auto Prepare=0")]
    [InlineData("Host=h;noresetonclose=false;MAXAUTOPREPARE=0")]
    public void Apply_SettingsGiven_KeepsThem(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);

        CoordinatorConnectionDefaults.Apply(settings, connectionString);

        Assert.False(settings.NoResetOnClose);
        Assert.Equal(0, settings.MaxAutoPrepare);
    }
}
