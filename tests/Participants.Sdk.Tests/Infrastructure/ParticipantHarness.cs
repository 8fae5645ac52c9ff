using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using TxCoordinator.Participants.Branches;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Messaging;
using TxCoordinator.Participants.Participation;
using TxCoordinator.Participants.Recovery;
using TxCoordinator.Participants.Storage;

namespace TxCoordinator.Participants.Sdk.Tests.Infrastructure;

/// <summary>The participant's services wired as AddTransactionParticipant does, with a fake coordinator and fake time.</summary>
internal sealed class ParticipantHarness : IAsyncDisposable
{
    public const string ParticipantId = "sdk-test";

    private readonly ServiceProvider _services;

    private ParticipantHarness(ServiceProvider services, FakeTimeProvider time, FakeCoordinatorClient coordinator, string connectionString)
    {
        _services = services;
        Time = time;
        Coordinator = coordinator;
        ConnectionString = connectionString;
    }

    public FakeTimeProvider Time { get; }

    public FakeCoordinatorClient Coordinator { get; }

    public string ConnectionString { get; }

    public ITransactionParticipant Participant => _services.GetRequiredService<ITransactionParticipant>();

    public ParticipantProtocol Protocol => _services.GetRequiredService<ParticipantProtocol>();

    public OpenWorkReaper Reaper => _services.GetRequiredService<OpenWorkReaper>();

    public BranchRegistry Registry => _services.GetRequiredService<BranchRegistry>();

    public ParticipantRecovery Recovery => _services.GetRequiredService<ParticipantRecovery>();

    public IServiceProvider Services => _services;

    public static async Task<ParticipantHarness> CreateAsync(
        string connectionString, Action<ParticipantOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var coordinator = new FakeCoordinatorClient(time);
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        collection.AddSingleton<TimeProvider>(time);
        collection.AddTransactionParticipant(o =>
        {
            o.ParticipantId = ParticipantId;
            o.ConnectionString = connectionString;
            o.CoordinatorUrls = [new Uri("http://127.0.0.1:9/")];
            o.LockTimeout = TimeSpan.FromSeconds(5);
            configure?.Invoke(o);
        });
        collection.AddKeyedSingleton<ITransactionCoordinatorClient>(ParticipantServiceKeys.CoordinatorClient, coordinator);
        services?.Invoke(collection);
        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.GetRequiredService<OutcomeStore>().EnsureSchemaAsync();
        var harness = new ParticipantHarness(provider, time, coordinator, connectionString);
        await harness.ExecuteAsync("CREATE TABLE IF NOT EXISTS items (id uuid PRIMARY KEY, name text NOT NULL)");
        return harness;
    }

    public static string Gid(Guid transactionId) => GlobalTransactionId.Create(ParticipantId, transactionId);

    /// <summary>Enlists and inserts one item, then completes (or leaves the work to the caller when <paramref name="complete"/> is false).</summary>
    public async Task<Guid> DoWorkAsync(Guid transactionId, bool complete = true)
    {
        var itemId = Guid.NewGuid();
        var work = await Participant.EnlistAsync(transactionId);
        await using (var insert = work.CreateCommand("INSERT INTO items (id, name) VALUES (@id, 'thing')"))
        {
            insert.Parameters.AddWithValue("id", itemId);
            await insert.ExecuteNonQueryAsync();
        }

        if (complete)
        {
            await work.CompleteAsync();
        }

        return itemId;
    }

    public async Task<bool> ItemExistsAsync(Guid itemId) =>
        (long)(await ScalarAsync("SELECT count(*) FROM items WHERE id = @p", itemId))! == 1;

    public async Task<int> PreparedCountAsync(Guid transactionId) =>
        (int)(long)(await ScalarAsync("SELECT count(*) FROM pg_prepared_xacts WHERE gid = @p AND database = current_database()", Gid(transactionId)))!;

    public async Task<string?> OutcomeAsync(Guid transactionId) =>
        await ScalarAsync("SELECT outcome FROM txc_outcomes WHERE gid = @p", Gid(transactionId)) as string;

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<object?> ScalarAsync(string sql, object parameter)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("p", parameter);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
