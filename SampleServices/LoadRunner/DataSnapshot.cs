using Npgsql;

namespace TxCoordinator.Samples.LoadRunner;

/// <summary>A reservation row of Inventory.</summary>
public sealed record Reservation(Guid OrderId, Guid TransactionId, string Sku, int Quantity);

/// <summary>A charge row of Payments.</summary>
public sealed record Charge(Guid OrderId, Guid TransactionId, string CustomerId, decimal Amount);

/// <summary>Everything the checker compares, read after the system settled.</summary>
/// <param name="TransactionStates">Coordinator transaction id to state; null when the table could not be read.</param>
public sealed record DataSnapshot(
    IReadOnlyDictionary<Guid, Reservation> Reservations,
    IReadOnlyDictionary<Guid, Charge> Charges,
    IReadOnlyDictionary<string, long> Stock,
    IReadOnlyDictionary<string, decimal> Balances,
    IReadOnlyDictionary<Guid, string>? TransactionStates,
    string? CoordinatorError)
{
    public static async Task<DataSnapshot> ReadAsync(
        NpgsqlDataSource inventory, NpgsqlDataSource payments, NpgsqlDataSource coordinator, CancellationToken cancellationToken = default)
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
        string? error = null;
        try
        {
            var rows = await ReadAsync(coordinator, "SELECT id, state FROM transactions",
                r => (Key: r.GetGuid(0), Value: r.GetString(1)), cancellationToken);
            states = rows.ToDictionary(x => x.Key, x => x.Value);
        }
        catch (NpgsqlException ex)
        {
            error = $"cannot read the coordinator's transactions (table transactions, columns id and state): {ex.Message}";
        }
        catch (InvalidCastException ex)
        {
            error = $"the coordinator's transactions table has an unexpected shape (id uuid, state text expected): {ex.Message}";
        }

        return new DataSnapshot(
            reservations.ToDictionary(r => r.OrderId),
            charges.ToDictionary(c => c.OrderId),
            stock.ToDictionary(x => x.Key, x => x.Value),
            balances.ToDictionary(x => x.Key, x => x.Value),
            states,
            error);
    }

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
