using Npgsql;

namespace TxCoordinator.IntegrationTests.Stack;

/// <summary>Reads and seeds the sample services' databases directly, to check every participant's side of an outcome.</summary>
public sealed class SampleData(string inventoryConnectionString, string paymentsConnectionString)
{
    /// <summary>A product and a customer of their own for one test, so that tests sharing the databases never meet.</summary>
    public async Task<(string Sku, string Customer)> SeedProductAndCustomerAsync(int stock, decimal balance)
    {
        var sku = "sku-" + Guid.NewGuid().ToString("N")[..10];
        var customer = "cust-" + Guid.NewGuid().ToString("N")[..10];
        await SeedStockAsync(sku, stock);
        await SeedWalletAsync(customer, balance);
        return (sku, customer);
    }

    public async Task SeedStockAsync(string sku, int quantity)
    {
        await ExecuteAsync(inventoryConnectionString,
            "INSERT INTO stock(sku, quantity) VALUES (@a, @b) ON CONFLICT (sku) DO UPDATE SET quantity = excluded.quantity", sku, quantity);
    }

    public async Task SeedWalletAsync(string customerId, decimal balance)
    {
        await ExecuteAsync(paymentsConnectionString,
            "INSERT INTO wallets(customer_id, balance) VALUES (@a, @b) ON CONFLICT (customer_id) DO UPDATE SET balance = excluded.balance", customerId, balance);
    }

    public Task<int> StockAsync(string sku) =>
        ScalarAsync<int>(inventoryConnectionString, "SELECT quantity FROM stock WHERE sku = @a", sku);

    public Task<decimal> BalanceAsync(string customerId) =>
        ScalarAsync<decimal>(paymentsConnectionString, "SELECT balance FROM wallets WHERE customer_id = @a", customerId);

    public async Task<bool> ReservationExistsAsync(Guid orderId) =>
        await ScalarAsync<long>(inventoryConnectionString, "SELECT count(*) FROM reservations WHERE order_id = @a", orderId) == 1;

    public async Task<bool> ChargeExistsAsync(Guid orderId) =>
        await ScalarAsync<long>(paymentsConnectionString, "SELECT count(*) FROM charges WHERE order_id = @a", orderId) == 1;

    /// <summary>Prepared transactions left in either sample database (they share one server, so filter by database).</summary>
    /// <summary>
    /// Prepared transactions of one distributed transaction left at Inventory and Payments. Scoped to the
    /// transaction (the SDK's global id ends with it) because other tests' work may be prepared at that moment.
    /// </summary>
    public async Task<long> PreparedAsync(Guid transactionId)
    {
        var inventory = await InventoryPreparedAsync(transactionId);
        var payments = await ScalarAsync<long>(paymentsConnectionString,
            "SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database() AND gid LIKE @a", $"%{transactionId:N}");
        return inventory + payments;
    }

    public Task<long> InventoryPreparedAsync(Guid transactionId) => ScalarAsync<long>(inventoryConnectionString,
        "SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database() AND gid LIKE @a", $"%{transactionId:N}");

    /// <summary>The participant's own record of a branch: 'committed', 'aborted' or null.</summary>
    public Task<string?> InventoryOutcomeAsync(Guid transactionId) => ScalarAsync<string?>(inventoryConnectionString,
        "SELECT outcome FROM txc_outcomes WHERE gid LIKE @a", $"%{transactionId:N}");

    private static async Task ExecuteAsync(string connectionString, string sql, object a, object b)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("a", a);
        command.Parameters.AddWithValue("b", b);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql, object? a = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        if (a is not null)
        {
            command.Parameters.AddWithValue("a", a);
        }

        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default! : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}
