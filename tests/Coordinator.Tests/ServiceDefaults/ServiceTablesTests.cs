using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;
using TxCoordinator.TestInfrastructure;

namespace TxCoordinator.Coordinator.Tests.ServiceDefaults;

/// <summary><c>AddServiceTables</c> as a sample service uses it: its tables created at start, readiness held until then.</summary>
public sealed class ServiceTablesTests : IAsyncLifetime
{
    private const string Sql = """
        CREATE TABLE IF NOT EXISTS widgets (
            id integer PRIMARY KEY,
            name text NOT NULL);
        """;

    private readonly PostgresServer _server = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => _server.InitializeAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Start_CreatesTheTables_ThenReadinessPasses_AndAStartAgainChangesNothing()
    {
        var connectionString = await DatabaseAsync();
        await using var services = Services(connectionString);
        var health = services.GetRequiredService<HealthCheckService>();

        var before = await health.CheckHealthAsync(Ct);
        Assert.Equal(HealthStatus.Unhealthy, before.Status);
        Assert.Equal("The widgets tables are not created yet.", before.Entries["widgets-tables"].Description);

        await StartAsync(services);
        await StartAsync(services); // every start runs the DDL again: a restarted service finds its tables there

        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(Ct)).Status);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var insert = dataSource.CreateCommand("INSERT INTO widgets (id, name) VALUES (1, 'a') RETURNING id");
        Assert.Equal(1, await insert.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public void AddServiceTables_IsAReadinessCheck_NamedAfterTheService()
    {
        using var services = Services("Host=127.0.0.1;Database=unused");

        var registration = Assert.Single(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HealthCheckServiceOptions>>()
            .Value.Registrations);

        Assert.Equal("widgets-tables", registration.Name);
        Assert.Contains(HealthEndpointsExtensions.ReadyTag, registration.Tags);
    }

    [Theory]
    [InlineData("", Sql)]
    [InlineData("widgets", " ")]
    public void AddServiceTables_WithoutAServiceOrSql_IsRefused(string service, string sql)
    {
        Assert.ThrowsAny<ArgumentException>(() => new ServiceCollection().AddServiceTables(service, sql));
    }

    private async Task<string> DatabaseAsync()
    {
        if (_server.SkipReason is not null)
        {
            Assert.Skip(_server.SkipReason);
        }

        return await _server.CreateDatabaseAsync("txc_service_tables", Ct);
    }

    private static ServiceProvider Services(string connectionString)
    {
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddServiceTables("widgets", Sql);
        return services.BuildServiceProvider();
    }

    private static async Task StartAsync(IServiceProvider services)
    {
        foreach (var hosted in services.GetServices<IHostedService>())
        {
            await hosted.StartAsync(Ct);
        }
    }
}
