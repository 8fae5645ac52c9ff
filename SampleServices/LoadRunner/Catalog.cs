namespace TxCoordinator.Samples.LoadRunner;

/// <summary>A product the runner can order, with its unit price.</summary>
public sealed record Product(string Sku, decimal Price);

/// <summary>What the seeder put into the databases: what orders may use, and the totals the checker starts from.</summary>
public sealed record Catalog(
    IReadOnlyList<Product> Products,
    IReadOnlyList<string> Customers,
    IReadOnlyDictionary<string, long> InitialStock,
    IReadOnlyDictionary<string, decimal> InitialBalances);
