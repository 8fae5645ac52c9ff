using Npgsql;

namespace TxCoordinator.Participants.Branches;

internal static class NpgsqlTransactionExtensions
{
    /// <summary>
    /// True once the transaction block is over (committed, rolled back, prepared) or its connection is gone;
    /// Npgsql disposes the transaction's connection reference at that point.
    /// </summary>
    public static bool IsCompleted(this NpgsqlTransaction transaction) => transaction.Connection is null;
}
