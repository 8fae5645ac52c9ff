using System.Collections.Concurrent;
using TxCoordinator.Contracts;

namespace TxCoordinator.Coordinator.Engine;

/// <summary>Wakes the HTTP commit calls waiting for a transaction's outcome when a vote or acknowledgement decides it.</summary>
internal sealed class DecisionSignals
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<OutcomeView>> _waiters = new();

    public Task<OutcomeView> Register(Guid transactionId) =>
        _waiters.GetOrAdd(transactionId, _ => new TaskCompletionSource<OutcomeView>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Signal(OutcomeView outcome)
    {
        if (_waiters.TryRemove(outcome.Id, out var waiter))
        {
            waiter.TrySetResult(outcome);
        }
    }

    public void Forget(Guid transactionId) => _waiters.TryRemove(transactionId, out _);

    public int Count => _waiters.Count;
}
