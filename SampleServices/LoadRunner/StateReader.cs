using Npgsql;
using TxCoordinator.Samples.LoadRunner.History;

namespace TxCoordinator.Samples.LoadRunner;

/// <summary>
/// Reads what the databases hold into history records: the checker itself never touches a database, so that it
/// judges the demo and the chaos run on the same recorded facts.
/// </summary>
public sealed class StateReader(NpgsqlDataSource inventory, NpgsqlDataSource payments, NpgsqlDataSource coordinator, TimeProvider timeProvider)
{
    private const string UnfinishedSql = "SELECT id, state FROM transactions WHERE state NOT IN ('Committed', 'Aborted') ORDER BY created_at";

    /// <summary>Coordinator transactions not finished and prepared transactions at the participants, right now.</summary>
    public async Task<OutstandingRecord> ReadOutstandingAsync(string label, CancellationToken cancellationToken = default)
    {
        List<UnfinishedTransaction> unfinished = [];
        string? error = null;
        try
        {
            unfinished = await ReadAsync(coordinator, UnfinishedSql, r => new UnfinishedTransaction(r.GetGuid(0), r.GetString(1)), cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidCastException)
        {
            error = $"cannot read the coordinator's transactions (table transactions, columns id uuid and state text): {ex.Message}";
        }

        return new OutstandingRecord(label, Now(), unfinished, await ReadPreparedAsync(cancellationToken), error);
    }

    /// <summary>Every row the checker compares, read once the system has quiesced.</summary>
    public async Task<FinalRecord> ReadFinalAsync(CancellationToken cancellationToken = default)
    {
        var reservations = await ReadAsync(inventory, "SELECT order_id, transaction_id, sku, quantity FROM reservations",
            r => new Reservation(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetInt32(3)), cancellationToken);
        var charges = await ReadAsync(payments, "SELECT order_id, transaction_id, customer_id, amount FROM charges",
            r => new Charge(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetDecimal(3)), cancellationToken);
        var stock = await ReadAsync(inventory, "SELECT sku, quantity FROM stock",
            r => (Key: r.GetString(0), Value: (long)r.GetInt32(1)), cancellationToken);
        var balances = await ReadAsync(payments, "SELECT customer_id, balance FROM wallets",
            r => (Key: r.GetString(0), Value: r.GetDecimal(1)), cancellationToken);

        Dictionary<Guid, string>? states = null;
        Dictionary<Guid, Guid>? orders = null;
        string? error = null;
        try
        {
            var rows = await ReadAsync(coordinator, "SELECT id, state, metadata->>'orderId' FROM transactions",
                r => (Key: r.GetGuid(0), Value: r.GetString(1), Order: r.IsDBNull(2) ? null : r.GetString(2)), cancellationToken);
            states = rows.ToDictionary(x => x.Key, x => x.Value);
            orders = rows.Where(x => Guid.TryParse(x.Order, out _)).ToDictionary(x => x.Key, x => Guid.Parse(x.Order!));
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidCastException)
        {
            error = $"cannot read the coordinator's transactions (table transactions, columns id uuid and state text): {ex.Message}";
        }

        return new FinalRecord(
            Now(),
            reservations,
            charges,
            stock.ToDictionary(x => x.Key, x => x.Value),
            balances.ToDictionary(x => x.Key, x => x.Value),
            await ReadPreparedAsync(cancellationToken),
            states,
            error)
        {
            Orders = orders,
        };
    }

    /// <summary>Per coordinator replica, the transactions its database holds as finished (Committed or Aborted).</summary>
    public async Task<Dictionary<string, IReadOnlyDictionary<Guid, string>>> ReadReplicaDecisionsAsync(
        IReadOnlyDictionary<string, NpgsqlDataSource> replicas, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        var decisions = new Dictionary<string, IReadOnlyDictionary<Guid, string>>(StringComparer.Ordinal);
        foreach (var (name, database) in replicas)
        {
            var rows = await ReadAsync(database, "SELECT id, state FROM transactions WHERE state IN ('Committed', 'Aborted')",
                r => (Key: r.GetGuid(0), Value: r.GetString(1)), cancellationToken);
            decisions[name] = rows.ToDictionary(x => x.Key, x => x.Value);
        }

        return decisions;
    }

    // Only the participants' own databases: the server may be shared with other runs and tests.
    private async Task<List<PreparedTransaction>> ReadPreparedAsync(CancellationToken cancellationToken)
    {
        const string sql = "SELECT database, gid FROM pg_prepared_xacts WHERE database = current_database() ORDER BY prepared";
        var prepared = await ReadAsync(inventory, sql, r => new PreparedTransaction(r.GetString(0), r.GetString(1)), cancellationToken);
        prepared.AddRange(await ReadAsync(payments, sql, r => new PreparedTransaction(r.GetString(0), r.GetString(1)), cancellationToken));
        return prepared;
    }

    private long Now() => timeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    private static async Task<List<T>> ReadAsync<T>(
        NpgsqlDataSource dataSource, string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}
