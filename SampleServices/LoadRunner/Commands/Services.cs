using Npgsql;

namespace TxCoordinator.Samples.LoadRunner.Commands;

/// <summary>The databases and HTTP client a command works with, created from the options it was given.</summary>
public sealed class Services : IAsyncDisposable
{
    // An order may wait for the coordinator's transaction timeout and a commit: a minute means something is broken.
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    private Services(Options options)
    {
        Inventory = NpgsqlDataSource.Create(options.InventoryDb ?? "Host=unset");
        Payments = NpgsqlDataSource.Create(options.PaymentsDb ?? "Host=unset");
        Coordinator = NpgsqlDataSource.Create(options.CoordinatorDb ?? "Host=unset");
        Replicas = options.ReplicaDbs.ToDictionary(r => r.Key, r => NpgsqlDataSource.Create(r.Value), StringComparer.Ordinal);
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency + 8 }) { Timeout = RequestTimeout };
    }

    public NpgsqlDataSource Inventory { get; }

    public NpgsqlDataSource Payments { get; }

    public NpgsqlDataSource Coordinator { get; }

    /// <summary>The coordinator replicas' databases by replica name (final's --replica-dbs).</summary>
    public IReadOnlyDictionary<string, NpgsqlDataSource> Replicas { get; }

    public HttpClient Http { get; }

    public TimeProvider Time { get; } = TimeProvider.System;

    public StateReader StateReader => new(Inventory, Payments, Coordinator, Time);

    public static Services For(Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new Services(options);
    }

    public async ValueTask DisposeAsync()
    {
        await Inventory.DisposeAsync();
        await Payments.DisposeAsync();
        await Coordinator.DisposeAsync();
        foreach (var replica in Replicas.Values)
        {
            await replica.DisposeAsync();
        }

        Http.Dispose();
    }
}
