namespace TxCoordinator.Participants.Propagation;

/// <summary>The distributed transaction the current request or message belongs to (flows with async calls).</summary>
public sealed class DistributedTransactionContext
{
    private static readonly AsyncLocal<DistributedTransactionContext?> CurrentContext = new();

    public DistributedTransactionContext(Guid transactionId)
    {
        if (transactionId == Guid.Empty)
        {
            throw new ArgumentException("The transaction id must not be empty.", nameof(transactionId));
        }

        TransactionId = transactionId;
    }

    public Guid TransactionId { get; }

    /// <summary>The ambient transaction, or null. Prefer <see cref="Begin"/>, which restores the previous value.</summary>
    public static DistributedTransactionContext? Current
    {
        get => CurrentContext.Value;
        set => CurrentContext.Value = value;
    }

    /// <summary>Makes <paramref name="transactionId"/> ambient until the returned scope is disposed.</summary>
    public static IDisposable Begin(Guid transactionId)
    {
        var previous = CurrentContext.Value;
        CurrentContext.Value = new DistributedTransactionContext(transactionId);
        return new Scope(previous);
    }

    public override string ToString() => TransactionId.ToString();

    private sealed class Scope(DistributedTransactionContext? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                CurrentContext.Value = previous;
            }
        }
    }
}
