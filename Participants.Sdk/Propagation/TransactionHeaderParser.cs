using TxCoordinator.Contracts;

namespace TxCoordinator.Participants.Propagation;

/// <summary>Reads the <see cref="TransactionHeaders.TransactionId"/> header value.</summary>
internal static class TransactionHeaderParser
{
    public static bool TryParse(string? value, out Guid transactionId) =>
        Guid.TryParse(value?.Trim(), out transactionId) && transactionId != Guid.Empty;
}
