namespace TxCoordinator.Samples.Inventory.Schema;

/// <summary>Set once the tables exist; readiness waits for it.</summary>
public sealed class InventorySchemaState
{
    private volatile bool _ready;

    public bool IsReady => _ready;

    public void MarkReady() => _ready = true;
}
