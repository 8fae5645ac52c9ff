namespace TxCoordinator.Participants.Initiator;

/// <summary>The transaction an <see cref="ITransactionInitiator"/> runs the work in.</summary>
public sealed class InitiatedTransaction
{
    internal InitiatedTransaction(Guid id, DateTimeOffset deadline)
    {
        Id = id;
        Deadline = deadline;
    }

    public Guid Id { get; }

    /// <summary>When the coordinator aborts the transaction if it is not committed by then.</summary>
    public DateTimeOffset Deadline { get; }

    /// <summary>The reason given to <see cref="Abort"/>, or null while the transaction is to be committed.</summary>
    public string? AbortReason { get; private set; }

    /// <summary>
    /// Aborts instead of committing once the work returns (a business refusal: out of stock, card declined). The
    /// first reason is kept.
    /// </summary>
    public void Abort(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        AbortReason ??= reason;
    }
}
