using Npgsql;
using TxCoordinator.Samples.LoadRunner;

namespace TxCoordinator.Bench.Workload;

/// <summary>
/// The order's two local pieces of work, with the same statements as the Inventory and Payments samples, for the
/// peers that do the work themselves (floor, saga, chain). Each returns false when the order is refused.
/// </summary>
public static class OrderSql
{
    /// <summary>
    /// Runs <paramref name="work"/> in a local transaction on a pooled connection: commits when it returns true, rolls
    /// back when it returns false (the order was refused). Returns what the work returned.
    /// </summary>
    public static async Task<bool> InLocalTransactionAsync(
        NpgsqlDataSource database, Func<NpgsqlConnection, NpgsqlTransaction, Task<bool>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(work);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await work(connection, transaction))
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public static async Task<bool> ReserveAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid orderId, string sku, int quantity, Guid transactionId,
        CancellationToken cancellationToken = default)
    {
        await using (var take = new NpgsqlCommand("UPDATE stock SET quantity = quantity - @q WHERE sku = @sku AND quantity >= @q", connection, transaction))
        {
            take.Parameters.AddWithValue("q", quantity);
            take.Parameters.AddWithValue("sku", sku);
            if (await take.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }

        await using var reserve = new NpgsqlCommand(
            "INSERT INTO reservations (order_id, transaction_id, sku, quantity) VALUES (@order, @tx, @sku, @q) ON CONFLICT (order_id) DO NOTHING",
            connection, transaction);
        reserve.Parameters.AddWithValue("order", orderId);
        reserve.Parameters.AddWithValue("tx", transactionId);
        reserve.Parameters.AddWithValue("sku", sku);
        reserve.Parameters.AddWithValue("q", quantity);
        return await reserve.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public static async Task<bool> ChargeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid orderId, string customerId, decimal amount, string cardNumber,
        Guid transactionId, CancellationToken cancellationToken = default)
    {
        // As the Payments sample: the test card is declined before the database is touched.
        if (cardNumber == OrderPlanner.DeclinedCard)
        {
            return false;
        }

        await using (var debit = new NpgsqlCommand(
            "UPDATE wallets SET balance = balance - @amount WHERE customer_id = @customer AND balance >= @amount", connection, transaction))
        {
            debit.Parameters.AddWithValue("amount", amount);
            debit.Parameters.AddWithValue("customer", customerId);
            if (await debit.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }

        await using var charge = new NpgsqlCommand(
            "INSERT INTO charges (order_id, transaction_id, customer_id, amount) VALUES (@order, @tx, @customer, @amount) ON CONFLICT (order_id) DO NOTHING",
            connection, transaction);
        charge.Parameters.AddWithValue("order", orderId);
        charge.Parameters.AddWithValue("tx", transactionId);
        charge.Parameters.AddWithValue("customer", customerId);
        charge.Parameters.AddWithValue("amount", amount);
        return await charge.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Gives a reservation's stock back (the saga's and the chain's compensation when the charge is refused). It may
    /// run twice (a redelivery, a retry): the stock comes back only if the reservation was still there.
    /// </summary>
    public static async Task ReleaseAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid orderId, string sku, int quantity,
        CancellationToken cancellationToken = default)
    {
        await using var delete = new NpgsqlCommand("DELETE FROM reservations WHERE order_id = @order", connection, transaction);
        delete.Parameters.AddWithValue("order", orderId);
        if (await delete.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            await using var restore = new NpgsqlCommand("UPDATE stock SET quantity = quantity + @q WHERE sku = @sku", connection, transaction);
            restore.Parameters.AddWithValue("q", quantity);
            restore.Parameters.AddWithValue("sku", sku);
            await restore.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
