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
/// A replicated leader does not log enlistments, the move to Preparing, or votes and acknowledgements that decide
/// nothing (<see cref="IDecisionLog.TryDefer"/>): its database shows an in-flight transaction as Active, often with no
/// participant. So every unfinished transaction shown, alone or in a list, is shown as the decision log holds it in
/// memory when it does; filters, paging and the summary's counts still go by the database.
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

        var items = rows.Take(filter.Limit).Select(r => log.FindApplied(r.Id) is { } held
            ? ToListItem(held, now, stuckAfter)
            : new TransactionListItem(
                r.Id, r.State, r.CreatedAt, Math.Round((now - r.CreatedAt).TotalSeconds, 3), r.Deadline, r.DecidedAt, r.CompletedAt,
                r.AbortReason, r.Participants, r.MaxAttempts, r.Stuck && !Final.Contains(r.State), r.Metadata)).ToList();
        var next = rows.Count > filter.Limit ? new TransactionCursor(items[^1].CreatedAt, items[^1].Id).Encode() : null;
        return new TransactionPage(items, next);
    }

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
        var stuck = db.Participants.Where(p => p.AcknowledgedAt == null && p.DeliveryAttempts >= stuckAfter
            && db.Transactions.Any(t => t.Id == p.TransactionId
                && t.State != TransactionState.Committed && t.State != TransactionState.Aborted));
        var stuckParticipants = await stuck.LongCountAsync(cancellationToken);
        var stuckTransactions = await stuck.Select(p => p.TransactionId).Distinct().LongCountAsync(cancellationToken);

        var byState = Enum.GetValues<TransactionState>().ToDictionary(
            s => s.ToString(), s => counts.FirstOrDefault(c => c.State == s)?.Count ?? 0);
        var unfinished = counts.Where(c => !Final.Contains(c.State)).Sum(c => c.Count);
        return new TransactionSummary(
            byState, counts.Sum(c => c.Count), unfinished,
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
        tx.OnePhase, tx.Revision, tx.Metadata,
        [.. tx.Participants.OrderBy(p => p.EnlistedAt).Select(p => new ParticipantDetail(
            p.ParticipantId, p.Endpoint, p.EnlistedAt, p.Vote, p.VoteReason, p.VotedAt, p.AcknowledgedAt, p.AcknowledgedOutcome,
            p.DeliveryAttempts, p.LastSentAt, Stuck: !tx.IsFinal && !p.IsDone && p.DeliveryAttempts >= stuckAfter))],
        tx.Audit,
        Timeline.Of(tx));
}
