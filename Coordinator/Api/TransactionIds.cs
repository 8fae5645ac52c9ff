using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Api;

/// <summary>Transaction ids in routes are parsed by hand, so that a malformed one gets the API's own 400 naming the field.</summary>
internal static class TransactionIds
{
    /// <exception cref="InvalidTransactionRequestException"><paramref name="id"/> is not a GUID.</exception>
    public static Guid Parse(string id) => Guid.TryParse(id, out var transactionId)
        ? transactionId
        : throw new InvalidTransactionRequestException("id", $"'{id}' is not a transaction id (a GUID is expected).");
}
