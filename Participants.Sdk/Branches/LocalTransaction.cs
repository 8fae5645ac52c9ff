using Npgsql;

namespace TxCoordinator.Participants.Branches;

/// <summary>An open PostgreSQL transaction holding one participant's work until Prepare (or one-phase commit).</summary>
internal sealed class LocalTransaction(Guid transactionId, string gid, NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset deadline)
    : IAsyncDisposable
{
    public Guid TransactionId { get; } = transactionId;

    public string Gid { get; } = gid;

    public NpgsqlConnection Connection { get; } = connection;

    public NpgsqlTransaction Transaction { get; } = transaction;

    /// <summary>The coordinator's deadline for the whole transaction.</summary>
    public DateTimeOffset Deadline { get; } = deadline;

    public NpgsqlCommand CreateCommand(string sql) => new(sql, Connection, Transaction);

    /// <summary>Rolls back; a broken connection has already lost the work, so its failure is reported, not thrown.</summary>
    public async Task<Exception?> TryRollbackAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            if (!Transaction.IsCompleted())
            {
                await Transaction.RollbackAsync(cancellationToken);
            }

            return null;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or ObjectDisposedException)
        {
            return ex;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
