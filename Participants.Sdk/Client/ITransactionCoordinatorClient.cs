using TxCoordinator.Contracts;

namespace TxCoordinator.Participants.Client;

/// <summary>The coordinator's HTTP API.</summary>
/// <remarks>
/// Non-success answers throw <see cref="TransactionCoordinatorException"/>; when no address answers at all,
/// <see cref="CoordinatorUnavailableException"/>.
/// </remarks>
public interface ITransactionCoordinatorClient
{
    /// <summary>Begins a transaction; <paramref name="timeout"/> null takes the coordinator's default.</summary>
    Task<TransactionView> BeginAsync(
        TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>Asks for commit; returns once the decision is durable (it may be Aborted, with a reason).</summary>
    Task<OutcomeView> CommitAsync(Guid transactionId, CancellationToken cancellationToken = default);

    /// <summary>Aborts the transaction.</summary>
    Task<OutcomeView> AbortAsync(Guid transactionId, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>The transaction, or null when the coordinator does not know it.</summary>
    Task<TransactionView?> GetAsync(Guid transactionId, CancellationToken cancellationToken = default);

    /// <summary>Enlists a participant (idempotent for the same participant id); used by the participant side.</summary>
    Task<TransactionView> EnlistAsync(Guid transactionId, EnlistRequest request, CancellationToken cancellationToken = default);
}
