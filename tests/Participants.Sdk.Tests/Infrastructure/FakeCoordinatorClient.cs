using System.Collections.Concurrent;
using System.Net;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Client;

namespace TxCoordinator.Participants.Sdk.Tests.Infrastructure;

/// <summary>A coordinator that knows the transactions the test tells it about, and who enlisted in them with which vote.</summary>
public sealed class FakeCoordinatorClient(TimeProvider timeProvider) : ITransactionCoordinatorClient
{
    private readonly ConcurrentDictionary<Guid, TransactionState> _states = new();
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<string, ParticipantView>> _participants = new();
    private int _enlistCalls;

    /// <summary>Deadline handed out on enlistment, relative to the fake clock.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>When set, enlistment and look-ups throw this.</summary>
    public Exception? Failure { get; set; }

    public int EnlistCalls => _enlistCalls;

    public void SetState(Guid transactionId, TransactionState state) => _states[transactionId] = state;

    /// <summary>Makes the coordinator answer 404 for the transaction (it never existed or was purged).</summary>
    public void Forget(Guid transactionId) => _states.TryRemove(transactionId, out _);

    /// <summary>Lists a participant in the transaction as though it had enlisted (another service, say).</summary>
    public void Enlisted(Guid transactionId, string participantId, Vote? vote = null) =>
        _participants.GetOrAdd(transactionId, _ => new())[participantId] =
            new ParticipantView(participantId, "txc-participant-" + participantId, Now, vote, null, vote is null ? null : Now, null, 0);

    /// <summary>The participants that enlisted in the transaction, as the coordinator would list them.</summary>
    public IReadOnlyCollection<ParticipantView> ParticipantsOf(Guid transactionId) =>
        _participants.TryGetValue(transactionId, out var participants) ? [.. participants.Values] : [];

    public Task<TransactionView> EnlistAsync(Guid transactionId, EnlistRequest request, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _enlistCalls);
        if (Failure is not null)
        {
            throw Failure;
        }

        var state = _states.GetOrAdd(transactionId, TransactionState.Active);
        if (state != TransactionState.Active)
        {
            throw new TransactionCoordinatorException(HttpStatusCode.Conflict, "Transaction not active", $"it is {state}", state);
        }

        var participant = new ParticipantView(request.ParticipantId, request.Endpoint, Now, request.Vote, null, request.Vote is null ? null : Now, null, 0);
        _participants.GetOrAdd(transactionId, _ => new())[request.ParticipantId] = participant;
        return Task.FromResult(View(transactionId, state, ParticipantsOf(transactionId).ToList()));
    }

    public Task<TransactionView?> GetAsync(Guid transactionId, CancellationToken cancellationToken = default)
    {
        if (Failure is not null)
        {
            throw Failure;
        }

        return Task.FromResult(_states.TryGetValue(transactionId, out var state) ? View(transactionId, state, ParticipantsOf(transactionId).ToList()) : null);
    }

    public Task<TransactionView> BeginAsync(TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Participants do not begin transactions.");

    public Task<OutcomeView> CommitAsync(Guid transactionId, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Participants do not commit transactions.");

    public Task<OutcomeView> AbortAsync(Guid transactionId, string? reason = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Participants do not abort transactions.");

    private DateTimeOffset Now => timeProvider.GetUtcNow();

    private TransactionView View(Guid id, TransactionState state, IReadOnlyList<ParticipantView> participants) =>
        new(id, state, Now, Now + Timeout, null, null, null, null, new Dictionary<string, string>(), participants);
}
