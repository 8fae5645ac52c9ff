namespace TxCoordinator.Participants.Recovery;

/// <summary>What one recovery pass found and did.</summary>
/// <param name="Found">This participant's prepared transactions in the database, in flight ones included.</param>
/// <param name="Examined">Those prepared longer than the grace period, which the pass asked the coordinator about.</param>
/// <param name="Committed">Committed because the coordinator decided commit.</param>
/// <param name="RolledBack">Rolled back because the coordinator aborted or does not know the transaction (presumed abort).</param>
/// <param name="Left">Examined and left alone: still undecided, busy here, or the coordinator could not be asked.</param>
/// <param name="OldestPreparedAt">When the oldest branch still prepared after the pass was prepared; null with none.</param>
public readonly record struct RecoveryReport(int Found, int Examined, int Committed, int RolledBack, int Left, DateTimeOffset? OldestPreparedAt);
