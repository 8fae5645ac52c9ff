namespace TxCoordinator.Coordinator.Engine;

/// <summary>A request's fields are out of range or malformed; nothing was changed.</summary>
public sealed class InvalidTransactionRequestException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
