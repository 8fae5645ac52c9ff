using Microsoft.Extensions.Options;
using Npgsql;
using TxCoordinator.Participants.Participation;
using TxCoordinator.Participants.Storage;

namespace TxCoordinator.Participants.Sdk.Tests.Storage;

public sealed class PooledSessionDefaultsTests
{
    [Fact]
    public void Apply_NothingGiven_SkipsTheResetAndPreparesStatements()
    {
        const string connectionString = "Host=127.0.0.1;Port=5432;Database=coordinator";
        var settings = new NpgsqlConnectionStringBuilder(connectionString);

        PooledSessionDefaults.Apply(settings, connectionString);

        Assert.True(settings.NoResetOnClose);
        Assert.Equal(PooledSessionDefaults.MaxAutoPrepare, settings.MaxAutoPrepare);
    }

    [Theory]
    [InlineData("Host=h;No Reset On Close=false;Max Auto Prepare=0")]
    [InlineData("Host=h;noresetonclose=false;MAXAUTOPREPARE=0")]
    public void Apply_SettingsGiven_KeepsThem(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);

        PooledSessionDefaults.Apply(settings, connectionString);

        Assert.False(settings.NoResetOnClose);
        Assert.Equal(0, settings.MaxAutoPrepare);
    }

    [Fact]
    public void ParticipantPool_NothingGiven_UsesTheDefaults()
    {
        using var pool = new ParticipantDataSource(Options.Create(new ParticipantOptions
        {
            ParticipantId = "inventory",
            ConnectionString = "Host=127.0.0.1;Port=5432;Database=inventory",
        }));

        var settings = new NpgsqlConnectionStringBuilder(pool.DataSource.ConnectionString);
        Assert.True(settings.NoResetOnClose);
        Assert.Equal(PooledSessionDefaults.MaxAutoPrepare, settings.MaxAutoPrepare);
    }
}
