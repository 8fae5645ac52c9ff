namespace TxCoordinator.Samples.LoadRunner.History;

/// <summary>
/// Jepsen-style checker over a run's history: a pure function (no database, no clock), so that it can be tested on
/// hand-made histories and gives the demo and the chaos run the same verdict for the same facts.
/// </summary>
public static class HistoryChecker
{
    private const string CommittedState = "Committed";
    private const string AbortedState = "Aborted";

    public static CheckResult Check(RunHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var violations = new List<Violation>();
        var outcomes = Outcomes(history);
        if (history.Start is null)
        {
            violations.Add(new(Property.History, "no start record: the initial stock and balances are unknown"));
        }

        if (history.Final is not { } final)
        {
            violations.Add(new(Property.History, "no final record: the participants' state was never observed"));
        }
        else
        {
            var reservations = final.Reservations.GroupBy(r => r.OrderId).ToDictionary(g => g.Key, g => g.ToList());
            var charges = final.Charges.GroupBy(c => c.OrderId).ToDictionary(g => g.Key, g => g.ToList());
            foreach (var invoke in history.Invokes)
            {
                CheckOrder(invoke, outcomes.GetValueOrDefault(invoke.Order), reservations.GetValueOrDefault(invoke.Order),
                    charges.GetValueOrDefault(invoke.Order), final.Transactions, violations);
            }

            CheckRows(history, final, violations);
            CheckDecisions(history, outcomes, final, violations);
            if (history.Start is { } start)
            {
                CheckConservation(start, final, violations);
            }

            CheckLeftovers(final, violations);
            CheckAgreement(final, violations);
        }

        var counted = outcomes.Values.ToList();
        return new CheckResult(
            history.Invokes.Count,
            counted.Count(c => c.Outcome == ClientOutcome.Committed),
            counted.Count(c => c.Outcome == ClientOutcome.Aborted),
            history.Invokes.Count - counted.Count(c => c.Outcome != ClientOutcome.Failed),
            violations,
            history.Outstanding?.Count ?? 0,
            RecoveryTimes.Compute(history),
            history.Faults);
    }

    // A client hears at most once about an order; a repeated line (a retried write) must not count twice.
    private static Dictionary<Guid, CompleteRecord> Outcomes(RunHistory history)
    {
        var outcomes = new Dictionary<Guid, CompleteRecord>();
        foreach (var complete in history.Completes)
        {
            outcomes.TryAdd(complete.Order, complete);
        }

        return outcomes;
    }

    private static void CheckOrder(
        InvokeRecord invoke, CompleteRecord? complete, List<Reservation>? reservations, List<Charge>? charges,
        IReadOnlyDictionary<Guid, string>? states, List<Violation> violations)
    {
        var id = invoke.Order;
        if (reservations is { Count: > 1 } || charges is { Count: > 1 })
        {
            violations.Add(new(Property.Atomicity, $"order {id} has {reservations?.Count ?? 0} reservations and {charges?.Count ?? 0} charges: applied more than once"));
            return;
        }

        var reservation = reservations?[0];
        var charge = charges?[0];
        switch (complete?.Outcome)
        {
            case ClientOutcome.Committed:
                if (invoke.Kind != OrderKind.Normal)
                {
                    violations.Add(new(Property.Atomicity, $"order {id} ({invoke.Kind}) was committed although a participant refused it"));
                }

                CheckCommittedRows(invoke, complete.Tx, reservation, charge, violations);
                CheckState(states, complete.Tx, CommittedState, $"committed order {id}", Property.Durability, violations);
                break;

            case ClientOutcome.Aborted:
                if (reservation is not null || charge is not null)
                {
                    violations.Add(new(Property.Atomicity, $"order {id} was reported aborted but has a {(reservation is not null ? "reservation" : "charge")}"));
                }

                CheckState(states, complete.Tx, AbortedState, $"aborted order {id}", Property.Atomicity, violations);
                break;

            default:
                // The client cannot tell what happened (or never heard back), but it must have happened entirely or not at all.
                if ((reservation is null) != (charge is null))
                {
                    violations.Add(new(Property.Atomicity, $"order {id} (client saw: {complete?.Reason ?? "no answer"}) has a " +
                        $"{(reservation is null ? "charge" : "reservation")} but no {(reservation is null ? "reservation" : "charge")}"));
                }
                else if (reservation is not null && reservation.TransactionId != charge!.TransactionId)
                {
                    violations.Add(new(Property.Atomicity, $"order {id}: reservation in transaction {reservation.TransactionId}, charge in {charge.TransactionId}"));
                }

                break;
        }
    }

    private static void CheckCommittedRows(InvokeRecord invoke, Guid? tx, Reservation? reservation, Charge? charge, List<Violation> violations)
    {
        var id = invoke.Order;
        if (reservation is null)
        {
            violations.Add(new(Property.Durability, $"committed order {id} has no reservation"));
        }
        else if (reservation.TransactionId != tx || reservation.Sku != invoke.Sku || reservation.Quantity != invoke.Qty)
        {
            violations.Add(new(Property.Durability, $"committed order {id}: reservation {reservation} does not match transaction {tx}, {invoke.Qty} x {invoke.Sku}"));
        }

        if (charge is null)
        {
            violations.Add(new(Property.Durability, $"committed order {id} has no charge"));
        }
        else if (charge.TransactionId != tx || charge.CustomerId != invoke.Customer || charge.Amount != invoke.Amount)
        {
            violations.Add(new(Property.Durability, $"committed order {id}: charge {charge} does not match transaction {tx}, {invoke.Amount} from {invoke.Customer}"));
        }
    }

    // Data may exist only for orders this run placed, and only under a transaction the coordinator committed.
    private static void CheckRows(RunHistory history, FinalRecord final, List<Violation> violations)
    {
        var placed = history.Invokes.Select(i => i.Order).ToHashSet();
        var rows = final.Reservations.Select(r => (Kind: "reservation", r.OrderId, r.TransactionId))
            .Concat(final.Charges.Select(c => (Kind: "charge", c.OrderId, c.TransactionId)));
        foreach (var (kind, orderId, transactionId) in rows)
        {
            if (!placed.Contains(orderId))
            {
                violations.Add(new(Property.Atomicity, $"{kind} for order {orderId} that this run never placed"));
            }
            else
            {
                CheckState(final.Transactions, transactionId, CommittedState, $"{kind} of order {orderId}", Property.Atomicity, violations);
            }
        }
    }

    // The coordinator's word against the participants': a transaction it committed for an order of this run has that
    // order's reservation and charge, under that transaction. Only for orders whose client cannot tell: for the others
    // the durability check and CheckState already compare the coordinator's state, and CheckRows the rows of aborted ones.
    private static void CheckDecisions(
        RunHistory history, Dictionary<Guid, CompleteRecord> outcomes, FinalRecord final, List<Violation> violations)
    {
        if (final.Orders is null || final.Transactions is null)
        {
            return;
        }

        var placed = history.Invokes.Select(i => i.Order).ToHashSet();
        var reserved = final.Reservations.Select(r => r.TransactionId).ToHashSet();
        var charged = final.Charges.Select(c => c.TransactionId).ToHashSet();
        foreach (var (tx, order) in final.Orders)
        {
            if (!placed.Contains(order) || final.Transactions.GetValueOrDefault(tx) != CommittedState ||
                outcomes.GetValueOrDefault(order)?.Outcome is ClientOutcome.Committed or ClientOutcome.Aborted)
            {
                continue;
            }

            // One row without the other is already an atomicity violation of the order itself.
            if (!reserved.Contains(tx) && !charged.Contains(tx))
            {
                violations.Add(new(Property.Atomicity,
                    $"the coordinator committed transaction {tx} of order {order}, but neither Inventory nor Payments has a row under it"));
            }
        }
    }

    // Every replica applies the same committed log, so a transaction finished at two replicas finished the same way at
    // both; a difference means their logs parted (an entry one of them committed was replaced at another). A replica
    // that lacks a transaction or still holds it unfinished is only behind, which the final record's settling bounds.
    private static void CheckAgreement(FinalRecord final, List<Violation> violations)
    {
        if (final.ReplicaDecisions is not { Count: > 1 } replicas)
        {
            return;
        }

        var byTransaction = new Dictionary<Guid, List<(string Replica, string State)>>();
        foreach (var (replica, decisions) in replicas.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            foreach (var (tx, state) in decisions)
            {
                if (!byTransaction.TryGetValue(tx, out var seen))
                {
                    byTransaction[tx] = seen = [];
                }

                seen.Add((replica, state));
            }
        }

        foreach (var (tx, seen) in byTransaction.OrderBy(t => t.Key))
        {
            if (seen.Select(s => s.State).Distinct(StringComparer.Ordinal).Count() > 1)
            {
                violations.Add(new(Property.Agreement,
                    $"transaction {tx} is {string.Join(", ", seen.Select(s => $"{s.State} at {s.Replica}"))}: the replicas' logs parted"));
            }
        }
    }

    private static void CheckState(
        IReadOnlyDictionary<Guid, string>? states, Guid? transactionId, string expected, string what, Property property, List<Violation> violations)
    {
        if (states is null)
        {
            return; // Reported once as a leftover: the coordinator's view could not be read.
        }

        if (transactionId is not { } tx)
        {
            violations.Add(new(property, $"{what}: the client was given no transaction id"));
        }
        else if (!states.TryGetValue(tx, out var state))
        {
            violations.Add(new(property, $"{what}: transaction {tx} is unknown to the coordinator"));
        }
        else if (state != expected)
        {
            violations.Add(new(property, $"{what}: the coordinator has transaction {tx} as {state}, not {expected}"));
        }
    }

    private static void CheckConservation(StartRecord start, FinalRecord final, List<Violation> violations)
    {
        CheckConserved(start.Stock, final.Stock, final.Reservations.GroupBy(r => r.Sku).ToDictionary(g => g.Key, g => g.Sum(r => (long)r.Quantity)),
            "stock", "reserved", violations);
        CheckConserved(start.Balances, final.Balances, final.Charges.GroupBy(c => c.CustomerId).ToDictionary(g => g.Key, g => g.Sum(c => c.Amount)),
            "balance", "charged", violations);
    }

    // Per key (a SKU, a customer): what went from the initial amount is exactly what the committed orders took.
    private static void CheckConserved<T>(
        IReadOnlyDictionary<string, T> initialAmounts, IReadOnlyDictionary<string, T> finalAmounts, Dictionary<string, T> taken,
        string amount, string takenAs, List<Violation> violations)
        where T : System.Numerics.INumber<T>
    {
        foreach (var key in initialAmounts.Keys.Union(finalAmounts.Keys))
        {
            var initial = initialAmounts.GetValueOrDefault(key, T.Zero);
            var took = taken.GetValueOrDefault(key, T.Zero);
            if (!finalAmounts.TryGetValue(key, out var current) || initial - current != took)
            {
                violations.Add(new(Property.Conservation,
                    $"{amount} of {key}: {initial} at start, {(finalAmounts.ContainsKey(key) ? current : "missing")} now, but {took} {takenAs}"));
            }
        }
    }

    private static void CheckLeftovers(FinalRecord final, List<Violation> violations)
    {
        foreach (var prepared in final.Prepared)
        {
            violations.Add(new(Property.Leftovers, $"prepared transaction '{prepared.Gid}' left in database {prepared.Database} (pg_prepared_xacts)"));
        }

        if (final.CoordinatorError is { } error)
        {
            // Without the coordinator's view, "every transaction finished" cannot be shown: that alone fails the run.
            violations.Add(new(Property.Leftovers, error));
        }
    }
}
