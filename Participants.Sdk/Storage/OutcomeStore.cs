using Microsoft.Extensions.Options;
using Npgsql;
using TxCoordinator.Participants.Participation;

namespace TxCoordinator.Participants.Storage;

/// <summary>
/// SQL for the participant's outcome/barrier table (txc_outcomes) and its prepared transactions.
/// A 'committed' row is written inside the prepared transaction itself, so it commits atomically with the work and
/// answers duplicates after COMMIT PREPARED; an 'aborted' row is the barrier that makes a late Prepare vote No.
/// </summary>
internal sealed class OutcomeStore(ParticipantDataSource dataSource, IOptions<ParticipantOptions> options)
{
    /// <summary>PostgreSQL: the gid named in COMMIT/ROLLBACK PREPARED does not exist.</summary>
    public const string UndefinedObject = "42704";

    public const string CreateTableSql = """
        CREATE TABLE IF NOT EXISTS txc_outcomes (
            gid text PRIMARY KEY,
            outcome text NOT NULL CHECK (outcome IN ('committed', 'aborted')),
            recorded_at timestamptz NOT NULL DEFAULT now())
        """;

    private const string StatusSql = """
        SELECT (SELECT outcome FROM txc_outcomes WHERE gid = @gid),
               EXISTS (SELECT 1 FROM pg_prepared_xacts WHERE gid = @gid AND database = current_database())
        """;

    /// <summary>
    /// How long the outcome row's insert waits for another session's row of the same gid (a branch prepared, or being
    /// prepared, before this work): only late work waits, and it is refused either way.
    /// </summary>
    private const string PrepareLockTimeoutSql = "SET LOCAL lock_timeout = '200ms'";

    // The CTE's own insert is invisible to the second SELECT, so exactly one row comes back: the new barrier or the old row.
    private const string BarrierSql = """
        WITH inserted AS (
            INSERT INTO txc_outcomes (gid, outcome) VALUES (@gid, 'aborted') ON CONFLICT (gid) DO NOTHING RETURNING outcome)
        SELECT outcome FROM inserted
        UNION ALL
        SELECT outcome FROM txc_outcomes WHERE gid = @gid AND NOT EXISTS (SELECT 1 FROM inserted)
        """;

    public async Task EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(CreateTableSql, connection);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
        {
            // Another instance created it at the same moment: IF NOT EXISTS is not atomic across sessions.
        }
    }

    public async Task<BranchStatus> GetStatusAsync(string gid, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(StatusSql, connection);
        command.Parameters.AddWithValue("gid", gid);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new BranchStatus(reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetBoolean(1));
    }

    /// <summary>
    /// Records 'committed' inside the local transaction, prepares it and checks pg_prepared_xacts, in one round trip.
    /// <c>ReadOnly</c>: the transaction had written nothing before the outcome row, which is then all it prepared;
    /// <c>Prepared</c>: the gid really is prepared (PREPARE outside a transaction block only warns).
    /// </summary>
    /// <exception cref="PostgresException">See <see cref="IsLateWork"/>: the gid already has an outcome row, or another
    /// session's row of it (a prepared branch) did not go away within the lock timeout.</exception>
    public static async Task<(bool ReadOnly, bool Prepared)> RecordCommitAndPrepareAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string gid, CancellationToken cancellationToken = default)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(PrepareLockTimeoutSql));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_current_xact_id_if_assigned() IS NULL"));
        var insert = new NpgsqlBatchCommand("INSERT INTO txc_outcomes (gid, outcome) VALUES (@gid, 'committed')");
        insert.Parameters.AddWithValue("gid", gid);
        batch.BatchCommands.Add(insert);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("PREPARE TRANSACTION " + GlobalTransactionId.ToSqlLiteral(gid)));
        var check = new NpgsqlBatchCommand(
            "SELECT EXISTS (SELECT 1 FROM pg_prepared_xacts WHERE gid = @gid AND database = current_database())");
        check.Parameters.AddWithValue("gid", gid);
        batch.BatchCommands.Add(check);

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var readOnly = reader.GetBoolean(0);
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (readOnly, reader.GetBoolean(0));
    }

    /// <summary>
    /// Whether <see cref="RecordCommitAndPrepareAsync"/> failed because the branch had already voted here: its outcome
    /// row exists (committed, or the 'aborted' barrier), or a prepared branch holds it (or its gid, 42710). The work
    /// being prepared was enlisted again after that, and was never part of what was voted on.
    /// </summary>
    public static bool IsLateWork(PostgresException exception) =>
        (exception.SqlState == PostgresErrorCodes.UniqueViolation && exception.TableName == "txc_outcomes")
        || exception.SqlState is PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.DuplicateObject;

    /// <summary>Records 'committed' inside the local transaction and commits it (one-phase branches).</summary>
    public static async Task RecordCommitAndCommitAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string gid, CancellationToken cancellationToken = default)
    {
        await using (var insert = new NpgsqlCommand("INSERT INTO txc_outcomes (gid, outcome) VALUES (@gid, 'committed')", connection, transaction))
        {
            insert.Parameters.AddWithValue("gid", gid);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Writes the 'aborted' barrier unless a row exists; returns the outcome now recorded.</summary>
    /// <remarks>Never call it while a prepared transaction of the same gid exists: its uncommitted row would block the insert.</remarks>
    public async Task<string> WriteBarrierAsync(string gid, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(BarrierSql, connection);
        command.Parameters.AddWithValue("gid", gid);
        if (await command.ExecuteScalarAsync(cancellationToken) is string outcome)
        {
            return outcome;
        }

        // The insert waited for a concurrent writer of the same gid whose row the statement's snapshot cannot see: read it.
        await using var reread = new NpgsqlCommand("SELECT outcome FROM txc_outcomes WHERE gid = @gid", connection);
        reread.Parameters.AddWithValue("gid", gid);
        return await reread.ExecuteScalarAsync(cancellationToken) as string
            ?? throw new InvalidOperationException($"No outcome row for '{gid}' after writing the barrier.");
    }

    /// <summary>COMMIT PREPARED; false when the gid no longer exists (42704), which cannot tell commit from rollback.</summary>
    public Task<bool> CommitPreparedAsync(string gid, CancellationToken cancellationToken = default) =>
        FinishPreparedAsync("COMMIT PREPARED ", gid, cancellationToken);

    /// <summary>ROLLBACK PREPARED; false when the gid no longer exists (42704).</summary>
    public Task<bool> RollbackPreparedAsync(string gid, CancellationToken cancellationToken = default) =>
        FinishPreparedAsync("ROLLBACK PREPARED ", gid, cancellationToken);

    /// <summary>This participant's prepared transactions in this database.</summary>
    public async Task<IReadOnlyList<PreparedBranch>> ListPreparedAsync(CancellationToken cancellationToken = default)
    {
        var participantId = options.Value.ParticipantId;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT gid, prepared FROM pg_prepared_xacts WHERE database = current_database() AND gid LIKE @pattern ORDER BY prepared",
            connection);
        command.Parameters.AddWithValue("pattern", GlobalTransactionId.LikePattern(participantId));
        var found = new List<PreparedBranch>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var gid = reader.GetString(0);
            if (GlobalTransactionId.TryParse(participantId, gid, out var transactionId))
            {
                found.Add(new PreparedBranch(gid, transactionId, reader.GetFieldValue<DateTimeOffset>(1)));
            }
        }

        return found;
    }

    private async Task<bool> FinishPreparedAsync(string statement, string gid, CancellationToken cancellationToken)
    {
        // Runs on a fresh pooled connection: COMMIT/ROLLBACK PREPARED cannot run inside a transaction block.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(statement + GlobalTransactionId.ToSqlLiteral(gid), connection);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }
        catch (PostgresException ex) when (ex.SqlState == UndefinedObject)
        {
            return false;
        }
    }
}
