namespace TxCoordinator.Coordinator;

internal static class QueueNames
{
    /// <summary>Characters RabbitMQ and MassTransit accept in a queue name, bounded in length.</summary>
    public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$";
}
