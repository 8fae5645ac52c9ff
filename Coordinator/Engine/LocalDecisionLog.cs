using Microsoft.EntityFrameworkCore;
using TxCoordinator.Coordinator.Persistence;

namespace TxCoordinator.Coordinator.Engine;

/// <summary>A lone coordinator: the change is saved by EF Core, with optimistic concurrency on the row.</summary>
internal sealed class LocalDecisionLog : IDecisionLog
{
    public bool IsDeciding => true;

    public long Epoch => 1;

    public void EnsureDeciding()
    {
    }

    // Alone, the coordinator saves through EF Core with optimistic concurrency: it needs the row's xmin, so it reads.
    public TransactionRecord? FindApplied(Guid transactionId) => null;

    // Alone, every change is a row update anyway: there is no replication round to save.
    public bool TryDefer(TransactionRecord tx) => false;

    public IReadOnlyList<Guid> DeferredAwaitingAnswers(DateTimeOffset sentBefore) => [];

    // Every enlistment is a saved row.
    public bool KnowsEveryEnlistment(Guid transactionId) => true;

    // Reads and writes go to the one database: it is always current.
    public Task CatchUpAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task CommitAsync(CoordinatorDbContext db, TransactionRecord tx, CancellationToken cancellationToken)
    {
        if (db.Entry(tx).State == EntityState.Detached)
        {
            db.Transactions.Add(tx);
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
