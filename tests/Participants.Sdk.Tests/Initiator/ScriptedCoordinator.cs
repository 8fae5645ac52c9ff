using System.Collections.Concurrent;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Client;

namespace TxCoordinator.Participants.Sdk.Tests.Initiator;

/// <summary>An initiator's coordinator whose answers each test scripts; it records the calls made to it.</summary>
internal sealed class ScriptedCoordinator(TimeProvider timeProvider) : ITransactionCoordinatorClient
{
    public Guid TransactionId { get; } = Guid.CreateVersion7();

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public Exception? BeginFailure { get; set; }

    /// <summary>Answers commit; by default Committed.</summary>
    public Func<Guid, OutcomeView> Commit { get; set; } = id => new(id, TransactionOutcome.Committed, null, TransactionState.Committed);

    /// <summary>Answers abort; by default Aborted with the reason given.</summary>
    public Func<Guid, string?, CancellationToken, Task<OutcomeView>> Abort { get; set; } =
        (id, reason, _) => Task.FromResult(new OutcomeView(id, TransactionOutcome.Aborted, reason, TransactionState.Aborted));

    /// <summary>Answers look-ups; by default the coordinator does not know the transaction.</summary>
    public Func<Guid, TransactionState?> State { get; set; } = _ => null;

    public ConcurrentQueue<string> Calls { get; } = new();

    public ConcurrentQueue<string?> AbortReasons { get; } = new();

    public Task<TransactionView> BeginAsync(
        TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue("begin");
        if (BeginFailure is not null)
        {
            throw BeginFailure;
        }

        var now = timeProvider.GetUtcNow();
        return Task.FromResult(new TransactionView(TransactionId, TransactionState.Active, now, now + (timeout ?? Timeout), null, null, null, null,
            metadata ?? new Dictionary<string, string>(), []));
    }

    public Task<OutcomeView> CommitAsync(Guid transactionId, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue("commit");
        return Task.FromResult(Commit(transactionId));
    }

    public Task<OutcomeView> AbortAsync(Guid transactionId, string? reason = null, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue("abort");
        AbortReasons.Enqueue(reason);
        return Abort(transactionId, reason, cancellationToken);
    }

    public Task<TransactionView?> GetAsync(Guid transactionId, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue("get");
        var now = timeProvider.GetUtcNow();
        return Task.FromResult(State(transactionId) is { } state
            ? new TransactionView(transactionId, state, now, now, null, null, null, state is TransactionState.Aborted ? "timed out" : null,
                new Dictionary<string, string>(), [])
            : null);
    }

    public Task<TransactionView> EnlistAsync(Guid transactionId, EnlistRequest request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Initiators do not enlist.");
}
