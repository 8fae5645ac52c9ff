namespace TxCoordinator.Samples.Payments.Schema;

/// <summary>The sample's tables, created at start if missing (the demo's load runner seeds and checks exactly these).</summary>
public static class PaymentsTables
{
    public const string Sql = """
        CREATE TABLE IF NOT EXISTS wallets (
            customer_id text PRIMARY KEY,
            balance numeric(18,2) NOT NULL CHECK (balance >= 0));
        CREATE TABLE IF NOT EXISTS charges (
            order_id uuid PRIMARY KEY,
            transaction_id uuid NOT NULL,
            customer_id text NOT NULL,
            amount numeric(18,2) NOT NULL);
        """;
}
