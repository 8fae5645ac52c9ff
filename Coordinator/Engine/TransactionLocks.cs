namespace TxCoordinator.Coordinator.Engine;

/// <summary>
/// Serialises the handling of one transaction inside this process (votes, acks, API calls and the supervisor race
/// otherwise). Striped, so memory stays bounded whatever the number of transactions; optimistic concurrency in the
/// database remains the guard across processes.
/// </summary>
internal sealed class TransactionLocks
{
    private const int Stripes = 1024;
    private static readonly TimeSpan AcquireTimeout = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public async ValueTask<Releaser> AcquireAsync(Guid transactionId, CancellationToken cancellationToken = default)
    {
        var stripe = _stripes[(transactionId.GetHashCode() & int.MaxValue) % Stripes];
        if (!await stripe.WaitAsync(AcquireTimeout, cancellationToken))
        {
            throw new TimeoutException($"Timed out after {AcquireTimeout} waiting for the lock of transaction {transactionId}.");
        }

        return new Releaser(stripe);
    }

    public readonly struct Releaser(SemaphoreSlim stripe) : IDisposable
    {
        public void Dispose() => stripe.Release();
    }
}
