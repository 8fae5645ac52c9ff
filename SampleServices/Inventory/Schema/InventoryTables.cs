namespace TxCoordinator.Samples.Inventory.Schema;

/// <summary>The sample's tables, created at start if missing (the demo's load runner seeds and checks exactly these).</summary>
public static class InventoryTables
{
    public const string Sql = """
        CREATE TABLE IF NOT EXISTS stock (
            sku text PRIMARY KEY,
            quantity integer NOT NULL CHECK (quantity >= 0));
        CREATE TABLE IF NOT EXISTS reservations (
            order_id uuid PRIMARY KEY,
            transaction_id uuid NOT NULL,
            sku text NOT NULL,
            quantity integer NOT NULL);
        """;
}
