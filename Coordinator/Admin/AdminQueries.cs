using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;
using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Admin;

/// <summary>
/// The admin API's reads, from this replica's database (on a follower the middleware sends them to the leader
/// first). Lists page by keyset on (created_at, id), which the index ix_transactions_created_at_id serves; with a
/// state filter, ix_transactions_state_created_at.
/// </summary>
/// <remarks>
/// The deciding coordinator does not write enlistments, the move to Preparing, or votes and acknowledgements that
/// decide nothing (<see cref="IDecisionLog.TryDefer"/>), and a replica writes the rest a little behind its log: its
/// database shows an in-flight transaction as Active, often with no participant, and a transaction just begun or just
/// finished not at all or as it was. So every transaction the decision log holds in memory
/// (<see cref="IDecisionLog.Held"/>) is shown as memory has it, alone or in a list, and a list's filters are applied to
/// that too: a transaction the database would list but memory no longer matches is left out, one that only memory
/// matches is put in; the summary counts it in the state memory has.
/// </remarks>
internal sealed class AdminQueries(
    IDbContextFactory<CoordinatorDbContext> databases, IDecisionLog log, IOptions<CoordinatorOptions> options, TimeProvider time)
{
    private static readonly TransactionState[] Final = [TransactionState.Committed, TransactionState.Aborted];

    private int StuckAfter => options.Value.StuckAfterAttempts;

    public async Task<TransactionPage> ListAsync(TransactionFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var now = time.GetUtcNow();
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var query = db.Transactions.AsNoTracking();
        if (filter.States.Count > 0)
        {
            var states = filter.States.ToList();
            query = query.Where(t => states.Contains(t.State));
        }

        if (filter.OlderThan is { } age)
        {
            var createdBefore = now - age;
            query = query.Where(t => t.CreatedAt < createdBefore);
        }

        if (filter.Participant is { } participant)
        {
            query = query.Where(t => t.Participants.Any(p => p.ParticipantId == participant));
        }

        if (filter.After is { } after)
        {
            // A row comparison, (created_at, id) > (…, …): PostgreSQL reads it as one range of the index.
            query = filter.Newest
                ? query.Where(t => EF.Functions.LessThan(ValueTuple.Create(t.CreatedAt, t.Id), ValueTuple.Create(after.CreatedAt, after.Id)))
                : query.Where(t => EF.Functions.GreaterThan(ValueTuple.Create(t.CreatedAt, t.Id), ValueTuple.Create(after.CreatedAt, after.Id)));
        }

        query = filter.Newest
            ? query.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id)
            : query.OrderBy(t => t.CreatedAt).ThenBy(t => t.Id);
        var stuckAfter = StuckAfter;
        // One more than asked: whether it exists tells if there is a next page.
        var rows = await query.Take(filter.Limit + 1).Select(t => new
        {
            t.Id, t.State, t.CreatedAt, t.Deadline, t.DecidedAt, t.CompletedAt, t.AbortReason, t.Metadata,
            Participants = t.Participants.OrderBy(p => p.EnlistedAt).Select(p => p.ParticipantId).ToList(),
            MaxAttempts = t.Participants.Max(p => (int?)p.DeliveryAttempts) ?? 0,
            Stuck = t.Participants.Any(p => p.AcknowledgedAt == null && p.DeliveryAttempts >= stuckAfter),
        }).ToListAsync(cancellationToken);

        // Each held transaction once, as memory has it: in place of its row, or on its own when the row does not match.
        var held = log.Held().ToDictionary(tx => tx.Id, tx => ToListItem(tx, now, stuckAfter));
        var dbItems = rows.Select(r => held.TryGetValue(r.Id, out var item)
            ? item
            : new TransactionListItem(
                r.Id, r.State, r.CreatedAt, Math.Round((now - r.CreatedAt).TotalSeconds, 3), r.Deadline, r.DecidedAt, r.CompletedAt,
                r.AbortReason, r.Participants, r.MaxAttempts, r.Stuck && !Final.Contains(r.State), r.Metadata)).ToList();
        var (items, next) = Page(filter, dbItems, rows.Count > filter.Limit, held.Values, now);
        return new TransactionPage(items, next?.Encode());
    }

    /// <summary>
    /// One page from the database's rows (up to one more than the limit, already shown as memory holds them) and the
    /// transactions held in memory, both filtered as the page asks. With more rows in the database than fetched, held
    /// transactions beyond the last fetched row wait for a later page, so that none is skipped.
    /// </summary>
    internal static (List<TransactionListItem> Items, TransactionCursor? Next) Page(
        TransactionFilter filter, List<TransactionListItem> dbItems, bool moreInDatabase, IEnumerable<TransactionListItem> held,
        DateTimeOffset now)
    {
        var direction = filter.Newest ? -1 : 1;
        var bound = moreInDatabase ? Key(dbItems[^1].CreatedAt, dbItems[^1].Id) : default((DateTimeOffset, Guid)?);
        var fetched = dbItems.Select(i => i.Id).ToHashSet();
        var heldOnly = held.Where(i => !fetched.Contains(i.Id)
            && (bound is not { } last || direction * Compare(Key(i.CreatedAt, i.Id), last) <= 0));
        var merged = dbItems.Concat(heldOnly)
            .Where(i => Matches(i, filter, direction, now))
            .Order(Comparer<TransactionListItem>.Create((a, b) => direction * Compare(Key(a.CreatedAt, a.Id), Key(b.CreatedAt, b.Id))))
            .ToList();
        var items = merged.Take(filter.Limit).ToList();
        TransactionCursor? next = merged.Count > filter.Limit || moreInDatabase
            ? items.Count > 0 ? new TransactionCursor(items[^1].CreatedAt, items[^1].Id) : new TransactionCursor(bound!.Value.Item1, bound.Value.Item2)
            : null;
        return (items, next);
    }

    // The database's query, over one item: the same states, age, participant and cursor.
    private static bool Matches(TransactionListItem item, TransactionFilter filter, int direction, DateTimeOffset now) =>
        (filter.States.Count == 0 || filter.States.Contains(item.State))
        && (filter.OlderThan is not { } age || item.CreatedAt < now - age)
        && (filter.Participant is not { } participant || item.Participants.Contains(participant))
        && (filter.After is not { } after || direction * Compare(Key(item.CreatedAt, item.Id), Key(after.CreatedAt, after.Id)) > 0);

    // PostgreSQL keeps microseconds, memory keeps ticks: the same transaction must compare equal in both.
    private static (DateTimeOffset, Guid) Key(DateTimeOffset createdAt, Guid id) =>
        (new DateTimeOffset(createdAt.UtcTicks - (createdAt.UtcTicks % 10), TimeSpan.Zero), id);

    // Guid.CompareTo orders as PostgreSQL orders uuids (byte by byte, as written).
    private static int Compare((DateTimeOffset CreatedAt, Guid Id) a, (DateTimeOffset CreatedAt, Guid Id) b) =>
        a.CreatedAt != b.CreatedAt ? a.CreatedAt.CompareTo(b.CreatedAt) : a.Id.CompareTo(b.Id);

    public async Task<TransactionSummary> SummaryAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var stuckAfter = StuckAfter;
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var counts = await db.Transactions.GroupBy(t => t.State)
            .Select(g => new { State = g.Key, Count = g.LongCount() })
            .ToListAsync(cancellationToken);
        var oldest = await db.Transactions.Where(t => t.State != TransactionState.Committed && t.State != TransactionState.Aborted)
            .OrderBy(t => t.CreatedAt)
            .Select(t => new { t.Id, t.CreatedAt })
            .FirstOrDefaultAsync(cancellationToken);
        // What memory holds of a transaction is newer than its row: its state and its participants count from there.
        var held = log.Held();
        var heldIds = held.Select(t => t.Id).ToList();
        var stored = heldIds.Count == 0 ? []
            : await db.Transactions.Where(t => heldIds.Contains(t.Id)).Select(t => new { t.Id, t.State }).ToListAsync(cancellationToken);
        var stuck = db.Participants.Where(p => p.AcknowledgedAt == null && p.DeliveryAttempts >= stuckAfter
            && !heldIds.Contains(p.TransactionId)
            && db.Transactions.Any(t => t.Id == p.TransactionId
                && t.State != TransactionState.Committed && t.State != TransactionState.Aborted));
        var heldStuck = held.Where(tx => !tx.IsFinal)
            .Select(tx => tx.Participants.Count(p => !p.IsDone && p.DeliveryAttempts >= stuckAfter))
            .Where(n => n > 0).ToList();
        var stuckParticipants = await stuck.LongCountAsync(cancellationToken) + heldStuck.Sum();
        var stuckTransactions = await stuck.Select(p => p.TransactionId).Distinct().LongCountAsync(cancellationToken) + heldStuck.Count;

        var byState = Enum.GetValues<TransactionState>().ToDictionary(
            s => s.ToString(), s => counts.FirstOrDefault(c => c.State == s)?.Count ?? 0);
        // Read apart from the counts, a row may have moved on since: only an unfinished one is moved, never below zero.
        var heldStates = held.ToDictionary(tx => tx.Id, tx => tx.State);
        foreach (var row in stored.Where(r => !Final.Contains(r.State) && heldStates[r.Id] != r.State))
        {
            if (byState[row.State.ToString()] > 0)
            {
                byState[row.State.ToString()]--;
                byState[heldStates[row.Id].ToString()]++;
            }
        }

        // Begun too recently for its row to be written yet.
        var storedIds = stored.Select(r => r.Id).ToHashSet();
        foreach (var tx in held.Where(tx => !storedIds.Contains(tx.Id)))
        {
            byState[tx.State.ToString()]++;
        }

        var unfinished = Enum.GetValues<TransactionState>().Where(s => !Final.Contains(s)).Sum(s => byState[s.ToString()]);
        return new TransactionSummary(
            byState, byState.Values.Sum(), unfinished,
            oldest is null ? null : Math.Round((now - oldest.CreatedAt).TotalSeconds, 3), oldest?.Id,
            stuckTransactions, stuckParticipants, stuckAfter);
    }

    /// <exception cref="TransactionNotFoundException">No such transaction.</exception>
    public async Task<TransactionDetail> DetailAsync(Guid transactionId, CancellationToken cancellationToken = default)
    {
        if (log.FindApplied(transactionId) is { } held)
        {
            return ToDetail(held, StuckAfter);
        }

        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var tx = await db.Transactions.AsNoTracking().Include(t => t.Participants)
            .SingleOrDefaultAsync(t => t.Id == transactionId, cancellationToken)
            ?? throw new TransactionNotFoundException(transactionId);
        return ToDetail(tx, StuckAfter);
    }

    private static TransactionListItem ToListItem(TransactionRecord tx, DateTimeOffset now, int stuckAfter) => new(
        tx.Id, tx.State, tx.CreatedAt, Math.Round((now - tx.CreatedAt).TotalSeconds, 3), tx.Deadline, tx.DecidedAt, tx.CompletedAt,
        tx.AbortReason, [.. tx.Participants.OrderBy(p => p.EnlistedAt).Select(p => p.ParticipantId)],
        tx.Participants.Count == 0 ? 0 : tx.Participants.Max(p => p.DeliveryAttempts),
        !tx.IsFinal && tx.Participants.Exists(p => !p.IsDone && p.DeliveryAttempts >= stuckAfter),
        tx.Metadata);

    internal static TransactionDetail ToDetail(TransactionRecord tx, int stuckAfter) => new(
        tx.Id, tx.State, tx.Outcome, tx.CreatedAt, tx.Deadline, tx.PrepareStartedAt, tx.DecidedAt, tx.CompletedAt, tx.AbortReason,
        tx.OnePhase, tx.DurableEnlistments, tx.Revision, tx.Metadata,
        [.. tx.Participants.OrderBy(p => p.EnlistedAt).Select(p => new ParticipantDetail(
            p.ParticipantId, p.Endpoint, p.EnlistedAt, p.Vote, p.VoteReason, p.VotedAt, p.AcknowledgedAt, p.AcknowledgedOutcome,
            p.DeliveryAttempts, p.LastSentAt, Stuck: !tx.IsFinal && !p.IsDone && p.DeliveryAttempts >= stuckAfter))],
        tx.Audit,
        Timeline.Of(tx));
}
