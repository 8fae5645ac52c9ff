namespace TxCoordinator.Participants.Storage;

/// <summary>What the database knows about one gid.</summary>
/// <param name="Outcome">The row in txc_outcomes ('committed' or 'aborted'), or null.</param>
/// <param name="Prepared">Whether the gid is in pg_prepared_xacts.</param>
internal readonly record struct BranchStatus(string? Outcome, bool Prepared)
{
    public bool IsCommitted => Outcome == Outcomes.Committed;

    public bool IsAborted => Outcome == Outcomes.Aborted;
}

/// <summary>Values of txc_outcomes.outcome.</summary>
internal static class Outcomes
{
    public const string Committed = "committed";
    public const string Aborted = "aborted";
}

/// <summary>One of this participant's transactions found in pg_prepared_xacts.</summary>
internal readonly record struct PreparedBranch(string Gid, Guid TransactionId, DateTimeOffset PreparedAt);
