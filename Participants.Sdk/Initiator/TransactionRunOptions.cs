namespace TxCoordinator.Participants.Initiator;

/// <summary>How <see cref="ITransactionInitiator.RunAsync"/> begins its transaction.</summary>
public sealed class TransactionRunOptions
{
    /// <summary>The transaction's timeout; null takes the coordinator's default (<c>Coordinator:DefaultTimeout</c>).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Shown to operators with the transaction (the admin API, the dashboard).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
