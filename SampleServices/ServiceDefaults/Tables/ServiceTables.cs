namespace TxCoordinator.ServiceDefaults.Tables;

/// <summary>A service's own tables: what creates them, and whether they exist yet (readiness waits for it).</summary>
public sealed class ServiceTables(string service, string sql)
{
    private volatile bool _ready;

    /// <summary>The service's name, as its logs and health check say it.</summary>
    public string Service { get; } = service;

    /// <summary>Idempotent DDL (<c>CREATE TABLE IF NOT EXISTS</c>), run at every start.</summary>
    public string Sql { get; } = sql;

    public bool IsReady => _ready;

    public void MarkReady() => _ready = true;
}
