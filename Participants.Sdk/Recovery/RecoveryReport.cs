namespace TxCoordinator.Participants.Recovery;

/// <summary>What one recovery pass found and did.</summary>
/// <param name="Found">This participant's prepared transactions in the database.</param>
/// <param name="Committed">Committed because the coordinator decided commit.</param>
/// <param name="RolledBack">Rolled back because the coordinator aborted or does not know the transaction (presumed abort).</param>
/// <param name="Left">Left alone: too young, still undecided, busy here, or the coordinator could not be asked.</param>
public readonly record struct RecoveryReport(int Found, int Committed, int RolledBack, int Left);
