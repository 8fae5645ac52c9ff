using Microsoft.EntityFrameworkCore;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.Tests.Infrastructure;
using static TxCoordinator.Coordinator.Tests.Infrastructure.CoordinatorDatabase;

namespace TxCoordinator.Coordinator.Tests.Cluster;

/// <summary>The applier's write against a migrated coordinator database: the highest revision wins, whatever the order.</summary>
public sealed class TransactionImageWriterTests() : DatabaseTests("txc_writer_test")
{

    [Fact]
    public async Task NewerRevision_ReplacesTheTransactionAndItsParticipants()
    {
        var writer = Writer();
        var id = Guid.NewGuid();
        Assert.Equal([id], await writer.WriteAsync([Image(id, 1, TransactionState.Active, vote: null)], Ct));
        Assert.Equal([id], await writer.WriteAsync([Image(id, 2, TransactionState.Preparing, Vote.Yes)], Ct));

        var (state, revision, votes) = await ReadAsync(id);
        Assert.Equal((TransactionState.Preparing, 2L), (state, revision));
        Assert.Equal([Vote.Yes, Vote.Yes], votes);
    }

    [Fact]
    public async Task DurableEnlistments_AreStoredAsTheImageSays()
    {
        var writer = Writer();
        var durable = Guid.NewGuid();
        var deferred = Guid.NewGuid();

        await writer.WriteAsync(
            [Image(durable, 1, TransactionState.Active, vote: null) with { DurableEnlistments = true }, Image(deferred, 1, TransactionState.Active, vote: null)],
            Ct);

        await using var db = Database.NewContext();
        var stored = await db.Transactions.AsNoTracking().Where(t => t.Id == durable || t.Id == deferred)
            .ToDictionaryAsync(t => t.Id, t => t.DurableEnlistments, Ct);
        Assert.Equal(new Dictionary<Guid, bool> { [durable] = true, [deferred] = false }, stored);
    }

    [Fact]
    public async Task OlderOrReplayedRevision_ChangesNeitherTheTransactionNorItsParticipants()
    {
        var writer = Writer();
        var id = Guid.NewGuid();
        await writer.WriteAsync([Image(id, 3, TransactionState.Committing, Vote.Yes)], Ct);

        Assert.Empty(await writer.WriteAsync([Image(id, 2, TransactionState.Preparing, Vote.No)], Ct));
        Assert.Empty(await writer.WriteAsync([Image(id, 3, TransactionState.Aborting, Vote.No)], Ct));

        var (state, revision, votes) = await ReadAsync(id);
        Assert.Equal((TransactionState.Committing, 3L), (state, revision));
        Assert.Equal([Vote.Yes, Vote.Yes], votes);
    }

    [Fact]
    public async Task OneBatch_ManyTransactions_KeepsTheNewestImageOfEach()
    {
        var writer = Writer();
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        var written = await writer.WriteAsync(
            [Image(a, 1, TransactionState.Active, null), Image(b, 1, TransactionState.Active, null), Image(a, 2, TransactionState.Preparing, Vote.Yes)],
            Ct);

        Assert.Equal(new HashSet<Guid> { a, b }, written);

        var (stateA, revisionA, votesA) = await ReadAsync(a);
        Assert.Equal((TransactionState.Preparing, 2L), (stateA, revisionA));
        Assert.Equal([Vote.Yes, Vote.Yes], votesA);
        Assert.Equal((TransactionState.Active, 1L), ((await ReadAsync(b)).State, (await ReadAsync(b)).Revision));
    }

    private TransactionImageWriter Writer() => new(Database.DataSource);

    private async Task<(TransactionState State, long Revision, List<Vote?> Votes)> ReadAsync(Guid id) =>
        await Database.FindAsync(id) ?? throw new InvalidOperationException($"Transaction {id} is not in the database.");
}
