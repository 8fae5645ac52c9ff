namespace TxCoordinator.Coordinator;

internal static class QueueNames
{
    /// <summary>Characters RabbitMQ and MassTransit accept in a queue name, bounded in length.</summary>
    public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$";

    /// <summary>A replica's own queue, next to the shared one: followers pass the leader its messages there.</summary>
    public static string ForReplica(string queue, string replicaId) => $"{queue}-{replicaId}";
}
