using System.Collections.Concurrent;
using Npgsql;
using TxCoordinator.Bench.Measurement;
using TxCoordinator.Bench.Workload;

namespace TxCoordinator.Bench.Floor;

/// <summary>
/// Peer a, the floor: one process does the order's work in the inventory database, then in the payments database,
/// PREPARE TRANSACTION on both, then COMMIT PREPARED on both. No bus, no coordinator, no decision log: durable 2PC
/// cannot be cheaper here.
/// </summary>
public sealed class FloorWorkload(NpgsqlDataSource inventory, NpgsqlDataSource payments, OrderStream orders, TextWriter report)
    : IBenchWorkload
{
    /// <summary>Every gid this peer prepares starts with it, so leftovers of any run can be found and rolled back.</summary>
    public const string GidPrefix = "txbench-floor-";

    private readonly string _run = GidPrefix + Guid.NewGuid().ToString("N")[..8] + "-";
    private readonly ConcurrentDictionary<string, NpgsqlDataSource> _prepared = new();

    public string Peer => "floor";

    public async Task<OpOutcome> ExecuteAsync(long sequence, CancellationToken cancellationToken = default)
    {
        var plan = orders[sequence];
        var transactionId = Guid.NewGuid();
        await using var inventoryConnection = await inventory.OpenConnectionAsync(cancellationToken);
        await using var paymentsConnection = await payments.OpenConnectionAsync(cancellationToken);
        var inventoryTx = await inventoryConnection.BeginTransactionAsync(cancellationToken);
        var paymentsTx = await paymentsConnection.BeginTransactionAsync(cancellationToken);
        bool accepted;
        try
        {
            // The stock first, then the charge, as the Orders sample and the routing slip do. Both at once could deadlock
            // across the two databases, a cycle PostgreSQL cannot see: one order holding a stock row and waiting for a
            // customer's row that another order holds while it waits for that stock row. Every order behind those rows
            // then stalled until the command timeout (twice in full runs, at concurrency 32 and 64).
            accepted = await OrderSql.ReserveAsync(
                    inventoryConnection, inventoryTx, plan.OrderId, plan.Sku, plan.Quantity, transactionId, cancellationToken)
                && await OrderSql.ChargeAsync(
                    paymentsConnection, paymentsTx, plan.OrderId, plan.CustomerId, plan.Amount, plan.CardNumber, transactionId, cancellationToken);
        }
        catch
        {
            await Task.WhenAll(RollbackAsync(inventoryTx), RollbackAsync(paymentsTx));
            throw;
        }

        if (!accepted)
        {
            await Task.WhenAll(inventoryTx.RollbackAsync(cancellationToken), paymentsTx.RollbackAsync(cancellationToken));
            return OpOutcome.Aborted;
        }

        var inventoryGid = $"{_run}{sequence}-i";
        var paymentsGid = $"{_run}{sequence}-p";
        _prepared[inventoryGid] = inventory;
        _prepared[paymentsGid] = payments;
        await Task.WhenAll(
            ExecuteAsync(inventoryConnection, $"PREPARE TRANSACTION '{inventoryGid}'", cancellationToken),
            ExecuteAsync(paymentsConnection, $"PREPARE TRANSACTION '{paymentsGid}'", cancellationToken));
        await Task.WhenAll(
            ExecuteAsync(inventoryConnection, $"COMMIT PREPARED '{inventoryGid}'", cancellationToken),
            ExecuteAsync(paymentsConnection, $"COMMIT PREPARED '{paymentsGid}'", cancellationToken));
        _prepared.TryRemove(inventoryGid, out _);
        _prepared.TryRemove(paymentsGid, out _);
        return OpOutcome.Committed;
    }

    /// <summary>Rolls back every prepared transaction of this peer still in the databases (of any run).</summary>
    public async Task RollBackLeftoversAsync(CancellationToken cancellationToken = default)
    {
        var count = 0;
        foreach (var dataSource in new[] { inventory, payments })
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var gids = new List<string>();
            await using (var find = new NpgsqlCommand(
                "SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND gid LIKE @prefix", connection))
            {
                find.Parameters.AddWithValue("prefix", GidPrefix + "%");
                await using var reader = await find.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    gids.Add(reader.GetString(0));
                }
            }

            foreach (var gid in gids.Where(g => g.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')))
            {
                try
                {
                    await ExecuteAsync(connection, $"ROLLBACK PREPARED '{gid}'", cancellationToken);
                    count++;
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedObject)
                {
                    // Committed or rolled back in the meantime.
                }
            }
        }

        _prepared.Clear();
        if (count > 0)
        {
            await report.WriteLineAsync($"[bench floor] rolled back {count} prepared transaction(s) left behind");
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await RollBackLeftoversAsync(timeout.Token);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task RollbackAsync(NpgsqlTransaction transaction)
    {
        try
        {
            await transaction.RollbackAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The connection broke: the server rolls back by itself.
        }
    }
}
