using Npgsql;
using NpgsqlTypes;

namespace TxCoordinator.Samples.LoadRunner;

/// <summary>
/// Empties and refills the samples' tables (created by the services at start-up): two hundred products with plenty of
/// stock plus one sold out, and customers rich enough that no order fails for lack of money. Only the deliberate
/// business failures (sold out, declined card) abort orders.
/// </summary>
public sealed class Seeder(NpgsqlDataSource inventory, NpgsqlDataSource payments, TimeProvider timeProvider, TextWriter report)
{
    public const string SoldOutSku = "SKU-SOLDOUT";
    public const int ProductCount = 200;
    public const int CustomerCount = 1_000;
    public const int StockPerProduct = 1_000_000;
    public const decimal BalancePerCustomer = 100_000_000m;

    private static readonly TimeSpan TableWait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public async Task<Catalog> SeedAsync(int seed, CancellationToken cancellationToken = default)
    {
        await WaitForTablesAsync(inventory, "Inventory", ["stock", "reservations"], cancellationToken);
        await WaitForTablesAsync(payments, "Payments", ["wallets", "charges"], cancellationToken);

        var random = new Random(seed);
        var products = Enumerable.Range(1, ProductCount)
            .Select(i => new Product($"SKU-{i:D4}", 5m + (random.Next(0, 9500) / 100m)))
            .ToList();
        var customers = Enumerable.Range(1, CustomerCount).Select(i => $"customer-{i:D4}").ToList();
        var stock = products.ToDictionary(p => p.Sku, _ => (long)StockPerProduct);
        stock[SoldOutSku] = 0;
        var balances = customers.ToDictionary(c => c, _ => BalancePerCustomer);

        await ReplaceAsync(
            inventory, "TRUNCATE reservations, stock",
            "INSERT INTO stock (sku, quantity) SELECT * FROM unnest(@keys, @values)",
            [.. stock.Keys], stock.Values.Select(v => (int)v).ToArray(), NpgsqlDbType.Integer, cancellationToken);
        await ReplaceAsync(
            payments, "TRUNCATE charges, wallets",
            "INSERT INTO wallets (customer_id, balance) SELECT * FROM unnest(@keys, @values)",
            [.. balances.Keys], balances.Values.ToArray(), NpgsqlDbType.Numeric, cancellationToken);

        await report.WriteLineAsync(
            $"[loadrunner] seeded {stock.Count} products ({SoldOutSku} with no stock) and {customers.Count} customers");
        return new Catalog(products, customers, stock, balances);
    }

    private async Task WaitForTablesAsync(
        NpgsqlDataSource dataSource, string service, string[] tables, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var last = "tables missing";
        while (true)
        {
            try
            {
                await using var command = dataSource.CreateCommand(
                    "SELECT count(*) FROM unnest(@tables) AS t(name) WHERE to_regclass(t.name) IS NOT NULL");
                command.Parameters.AddWithValue("tables", tables);
                if ((long)(await command.ExecuteScalarAsync(cancellationToken))! == tables.Length)
                {
                    return;
                }
            }
            catch (NpgsqlException ex)
            {
                last = ex.Message;
            }

            if (timeProvider.GetElapsedTime(started) > TableWait)
            {
                throw new InvalidOperationException(
                    $"{service}'s tables ({string.Join(", ", tables)}) did not appear within {TableWait.TotalSeconds:0} s " +
                    $"(the service creates them at start-up; is it running on this database?): {last}");
            }

            await Task.Delay(PollInterval, timeProvider, cancellationToken);
        }
    }

    private static async Task ReplaceAsync<T>(
        NpgsqlDataSource dataSource, string truncate, string insert, string[] keys, T[] values, NpgsqlDbType valueType,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // A prepared transaction left over from an earlier run keeps its locks: fail clearly instead of waiting for ever.
        await using (var limit = new NpgsqlCommand("SET LOCAL lock_timeout = '20s'", connection, transaction))
        {
            await limit.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await using var empty = new NpgsqlCommand(truncate, connection, transaction);
            await empty.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            throw new InvalidOperationException(
                $"'{truncate}' waited 20 s for locks: transactions still hold them (look for leftovers in pg_prepared_xacts of database '{connection.Database}').", ex);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DeadlockDetected)
        {
            throw new InvalidOperationException(
                $"'{truncate}' deadlocked with transactions using the table: is another load running against database '{connection.Database}'? Stop it first.", ex);
        }

        await using (var fill = new NpgsqlCommand(insert, connection, transaction))
        {
            fill.Parameters.AddWithValue("keys", NpgsqlDbType.Array | NpgsqlDbType.Text, keys);
            fill.Parameters.AddWithValue("values", NpgsqlDbType.Array | valueType, values);
            await fill.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
