using System.Text.RegularExpressions;
using Npgsql;
using Testcontainers.PostgreSql;

namespace TxCoordinator.TestInfrastructure;

/// <summary>
/// A PostgreSQL 15 server with prepared transactions enabled, from <see cref="EnvironmentVariable"/> or a
/// Testcontainers container (one per test process). Each test class or stack gets its own databases from
/// <see cref="CreateDatabaseAsync"/>; they are dropped on dispose, after rolling back any prepared transaction left in
/// them (those would otherwise hold the server's max_prepared_transactions slots and locks for ever).
/// </summary>
public sealed partial class PostgresServer : IAsyncLifetime
{
    /// <summary>Npgsql connection string to the admin database ("postgres") of a running server.</summary>
    public const string EnvironmentVariable = "TXC_TEST_POSTGRES";

    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(60);

    private static readonly SharedServer Shared = new("PostgreSQL", EnvironmentVariable, Normalize, StartContainerAsync);

    private readonly List<string> _databases = [];
    private readonly Lock _lock = new();
    private string? _adminConnectionString;

    /// <summary>Why tests that need PostgreSQL must skip; null when the server is available.</summary>
    public string? SkipReason { get; private set; } = "PostgresServer.InitializeAsync has not run.";

    /// <summary>Connection string to the admin database.</summary>
    /// <exception cref="InvalidOperationException">The server is not available (see <see cref="SkipReason"/>).</exception>
    public string AdminConnectionString => _adminConnectionString ?? throw new InvalidOperationException(SkipReason);

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var resolution = await Shared.ResolveAsync(cancellationToken);
        if (resolution.Address is null)
        {
            SkipReason = resolution.SkipReason;
            return;
        }

        await using var connection = new NpgsqlConnection(resolution.Address);
        try
        {
            await connection.OpenAsync(cancellationToken);
        }
        catch (NpgsqlException ex)
        {
            throw new InvalidOperationException($"PostgreSQL at '{Describe(resolution.Address)}' does not answer: {ex.Message}", ex);
        }

        await using var command = new NpgsqlCommand("SELECT current_setting('max_prepared_transactions')::int", connection);
        if ((int)(await command.ExecuteScalarAsync(cancellationToken))! == 0)
        {
            throw new InvalidOperationException(
                $"PostgreSQL at '{Describe(resolution.Address)}' has max_prepared_transactions = 0; two-phase commit needs it above 0 (restart the server with -c max_prepared_transactions=1000).");
        }

        _adminConnectionString = resolution.Address;
        SkipReason = null;
    }

    /// <summary>Skips the current test when the server is not available; returns the admin connection string.</summary>
    public string RequireAvailable()
    {
        Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");
        return AdminConnectionString;
    }

    /// <summary>Creates an empty database named after <paramref name="prefix"/> and returns its connection string.</summary>
    /// <param name="prefix">Lowercase letters, digits and '_', starting with a letter, at most 30 characters.</param>
    public async Task<string> CreateDatabaseAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (!DatabasePrefix().IsMatch(prefix))
        {
            throw new ArgumentException($"Database prefix '{prefix}' must be lowercase letters, digits or '_', start with a letter, at most 30 characters.", nameof(prefix));
        }

        var admin = AdminConnectionString;
        var name = $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 13)];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        lock (_lock)
        {
            _databases.Add(name);
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        string[] databases;
        lock (_lock)
        {
            databases = [.. _databases];
            _databases.Clear();
        }

        if (_adminConnectionString is null || databases.Length == 0)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(CleanupTimeout);
        foreach (var name in databases)
        {
            await DropDatabaseAsync(_adminConnectionString, name, timeout.Token);
        }
    }

    private static async Task DropDatabaseAsync(string admin, string name, CancellationToken cancellationToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = false }.ConnectionString;
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            // ROLLBACK PREPARED only works from a session of the prepared transaction's own database.
            await connection.OpenAsync(cancellationToken);
            var gids = new List<string>();
            await using (var list = new NpgsqlCommand("SELECT gid FROM pg_prepared_xacts WHERE database = current_database()", connection))
            await using (var reader = await list.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    gids.Add(reader.GetString(0));
                }
            }

            foreach (var gid in gids)
            {
                await using var rollback = new NpgsqlCommand($"ROLLBACK PREPARED '{gid.Replace("'", "''", StringComparison.Ordinal)}'", connection);
                try
                {
                    await rollback.ExecuteNonQueryAsync(cancellationToken);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedObject)
                {
                    // Finished by its owner between our listing and our rollback: nothing left to clean.
                }
            }
        }

        // Idle pooled connections of this test would otherwise point at a dropped database.
        using (var pooled = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        await using var adminConnection = new NpgsqlConnection(admin);
        await adminConnection.OpenAsync(cancellationToken);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", adminConnection);
        await drop.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Normalize(string value)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(value).ConnectionString;
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"{EnvironmentVariable} is not a valid Npgsql connection string: {ex.Message}", ex);
        }
    }

    private static async Task<(string Address, IAsyncDisposable Container)> StartContainerAsync(CancellationToken cancellationToken)
    {
        var container = new PostgreSqlBuilder("postgres:15")
            .WithCommand("-c", "max_prepared_transactions=1000", "-c", "max_connections=400")
            .Build();
        try
        {
            await container.StartAsync(cancellationToken);
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }

        return (container.GetConnectionString(), container);
    }

    private static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{builder.Host}:{builder.Port}";
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,29}$")]
    private static partial Regex DatabasePrefix();
}
