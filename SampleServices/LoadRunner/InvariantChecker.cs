using Npgsql;

namespace TxCoordinator.Samples.LoadRunner;

/// <summary>The checker's verdict.</summary>
public sealed record CheckReport(int Violations, int InDoubt);

/// <summary>
/// Checks atomicity after the run: each order happened in both services or in neither, exactly as the client was told,
/// with stock and money conserved and nothing left prepared or unfinished.
/// </summary>
public sealed class InvariantChecker(
    NpgsqlDataSource inventory,
    NpgsqlDataSource payments,
    NpgsqlDataSource coordinator,
    HttpClient http,
    Uri coordinatorUrl,
    TimeProvider timeProvider,
    TextWriter report)
{
    private const string Committed = "Committed";
    private const string Aborted = "Aborted";
    private const int InDoubtDescribed = 5;

    public async Task<CheckReport> CheckAsync(Catalog catalog, WorkloadResult workload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(workload);
        var violations = new Violations(report);

        var settlement = await new Settlement(inventory, payments, coordinator, timeProvider, report).WaitAsync(cancellationToken);
        if (settlement.InDoubt > 0)
        {
            await DescribeInDoubtAsync(cancellationToken);
        }

        if (settlement.PreparedInInventory > 0)
        {
            violations.Add($"{settlement.PreparedInInventory} prepared transaction(s) left in Inventory's database (pg_prepared_xacts)");
        }

        if (settlement.PreparedInPayments > 0)
        {
            violations.Add($"{settlement.PreparedInPayments} prepared transaction(s) left in Payments' database (pg_prepared_xacts)");
        }

        var snapshot = await DataSnapshot.ReadAsync(inventory, payments, coordinator, cancellationToken);
        if ((settlement.CoordinatorError ?? snapshot.CoordinatorError) is { } coordinatorError)
        {
            // Without the coordinator's view, "every transaction finished" cannot be shown: that alone fails the run.
            violations.Add(coordinatorError);
        }

        CheckOrders(workload, snapshot, violations);
        CheckRows(workload, snapshot, violations);
        CheckConservation(catalog, snapshot, violations);
        return new CheckReport(violations.Count, (int)(settlement.InDoubt ?? 0));
    }

    private void CheckOrders(WorkloadResult workload, DataSnapshot snapshot, Violations violations)
    {
        var unexpectedAborts = 0;
        foreach (var order in workload.Orders)
        {
            var plan = order.Plan;
            var id = plan.OrderId;
            snapshot.Reservations.TryGetValue(id, out var reservation);
            snapshot.Charges.TryGetValue(id, out var charge);
            switch (order.Outcome)
            {
                case ClientOutcome.Committed:
                    if (plan.Kind != OrderKind.Normal)
                    {
                        violations.Add($"order {id} ({plan.Kind}) was committed although it had to abort");
                    }

                    CheckCommittedRows(order, reservation, charge, violations);
                    CheckState(snapshot, order.TransactionId!.Value, Committed, $"committed order {id}", violations);
                    break;

                case ClientOutcome.Aborted:
                    if (plan.Kind == OrderKind.Normal)
                    {
                        unexpectedAborts++;
                    }

                    if (reservation is not null)
                    {
                        violations.Add($"aborted order {id} still has a reservation (transaction {reservation.TransactionId})");
                    }

                    if (charge is not null)
                    {
                        violations.Add($"aborted order {id} still has a charge (transaction {charge.TransactionId})");
                    }

                    CheckState(snapshot, order.TransactionId!.Value, Aborted, $"aborted order {id}", violations);
                    break;

                default:
                    // The client cannot tell what happened, but it must have happened entirely or not at all.
                    if ((reservation is null) != (charge is null))
                    {
                        violations.Add($"order {id} (client saw: {order.Reason}) has a {(reservation is null ? "charge" : "reservation")} " +
                            $"but no {(reservation is null ? "reservation" : "charge")}");
                    }
                    else if (reservation is not null && reservation.TransactionId != charge!.TransactionId)
                    {
                        violations.Add($"order {id}: reservation in transaction {reservation.TransactionId}, charge in {charge.TransactionId}");
                    }

                    break;
            }
        }

        if (unexpectedAborts > 0)
        {
            report.WriteLine($"[loadrunner] note: {unexpectedAborts} order(s) meant to commit were aborted (timeouts or contention; not a violation)");
        }
    }

    private static void CheckCommittedRows(OrderResult order, Reservation? reservation, Charge? charge, Violations violations)
    {
        var plan = order.Plan;
        var id = plan.OrderId;
        if (reservation is null)
        {
            violations.Add($"committed order {id} has no reservation");
        }
        else if (reservation.TransactionId != order.TransactionId || reservation.Sku != plan.Sku || reservation.Quantity != plan.Quantity)
        {
            violations.Add($"committed order {id}: reservation {reservation} does not match transaction {order.TransactionId}, {plan.Quantity} x {plan.Sku}");
        }

        if (charge is null)
        {
            violations.Add($"committed order {id} has no charge");
        }
        else if (charge.TransactionId != order.TransactionId || charge.CustomerId != plan.CustomerId || charge.Amount != plan.Amount)
        {
            violations.Add($"committed order {id}: charge {charge} does not match transaction {order.TransactionId}, {plan.Amount} from {plan.CustomerId}");
        }
    }

    // Rows the client was not told about (failed calls) or that nobody asked for: only a committed transaction may own data.
    private static void CheckRows(WorkloadResult workload, DataSnapshot snapshot, Violations violations)
    {
        var outcomes = workload.Orders.ToDictionary(o => o.Plan.OrderId, o => o.Outcome);
        var rows = snapshot.Reservations.Values.Select(r => (Kind: "reservation", r.OrderId, r.TransactionId))
            .Concat(snapshot.Charges.Values.Select(c => (Kind: "charge", c.OrderId, c.TransactionId)));
        foreach (var (kind, orderId, transactionId) in rows)
        {
            if (!outcomes.TryGetValue(orderId, out var outcome))
            {
                violations.Add($"{kind} for order {orderId} that this run never placed");
            }
            else if (outcome == ClientOutcome.Failed)
            {
                CheckState(snapshot, transactionId, Committed, $"{kind} of order {orderId}", violations);
            }
        }
    }

    private static void CheckState(DataSnapshot snapshot, Guid transactionId, string expected, string what, Violations violations)
    {
        if (snapshot.TransactionStates is null)
        {
            return;
        }

        if (!snapshot.TransactionStates.TryGetValue(transactionId, out var state))
        {
            violations.Add($"{what}: transaction {transactionId} is unknown to the coordinator");
        }
        else if (state != expected)
        {
            violations.Add($"{what}: the coordinator has transaction {transactionId} as {state}, not {expected}");
        }
    }

    private void CheckConservation(Catalog catalog, DataSnapshot snapshot, Violations violations)
    {
        var reserved = snapshot.Reservations.Values.GroupBy(r => r.Sku).ToDictionary(g => g.Key, g => g.Sum(r => (long)r.Quantity));
        foreach (var sku in catalog.InitialStock.Keys.Union(snapshot.Stock.Keys))
        {
            var initial = catalog.InitialStock.GetValueOrDefault(sku);
            var taken = reserved.GetValueOrDefault(sku);
            if (!snapshot.Stock.TryGetValue(sku, out var current) || initial - current != taken)
            {
                violations.Add($"stock of {sku}: {initial} at start, {(snapshot.Stock.ContainsKey(sku) ? current : "missing")} now, but {taken} reserved");
            }
        }

        var charged = snapshot.Charges.Values.GroupBy(c => c.CustomerId).ToDictionary(g => g.Key, g => g.Sum(c => c.Amount));
        foreach (var customer in catalog.InitialBalances.Keys.Union(snapshot.Balances.Keys))
        {
            var initial = catalog.InitialBalances.GetValueOrDefault(customer);
            var paid = charged.GetValueOrDefault(customer);
            if (!snapshot.Balances.TryGetValue(customer, out var current) || initial - current != paid)
            {
                violations.Add($"balance of {customer}: {initial} at start, {(snapshot.Balances.ContainsKey(customer) ? current : "missing")} now, but {paid} charged");
            }
        }

        report.WriteLine(
            $"[loadrunner] stock: {catalog.InitialStock.Values.Sum()} at start, {snapshot.Stock.Values.Sum()} now, {reserved.Values.Sum()} reserved; " +
            $"money: {catalog.InitialBalances.Values.Sum()} at start, {snapshot.Balances.Values.Sum()} now, {charged.Values.Sum()} charged");
    }

    private async Task DescribeInDoubtAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = coordinator.CreateCommand(
                $"SELECT id FROM transactions WHERE state NOT IN ('Committed', 'Aborted') ORDER BY created_at LIMIT {InDoubtDescribed}");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var ids = new List<Guid>();
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetGuid(0));
            }

            foreach (var id in ids)
            {
                var view = await http.GetStringAsync(new Uri(coordinatorUrl, $"transactions/{id}"), cancellationToken);
                await report.WriteLineAsync($"[loadrunner] in doubt: {view}");
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Only an illustration of what is stuck; the count itself is already known.
            await report.WriteLineAsync($"[loadrunner] could not describe the unfinished transactions: {ex.Message}");
        }
    }
}
