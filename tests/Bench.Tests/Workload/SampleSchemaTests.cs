using System.Text.RegularExpressions;
using TxCoordinator.Bench.Workload;
using TxCoordinator.TestInfrastructure;

namespace TxCoordinator.Bench.Tests.Workload;

public sealed partial class SampleSchemaTests
{
    [Theory]
    [InlineData("SampleServices/Inventory/Schema/InventoryTables.cs", SampleSchema.InventorySql)]
    [InlineData("SampleServices/Payments/Schema/PaymentsTables.cs", SampleSchema.PaymentsSql)]
    public void Sql_SameAsTheSample(string sampleFile, string benchSql)
    {
        var source = File.ReadAllText(Path.Combine(SolutionPaths.RepositoryRoot, sampleFile));

        Assert.Contains(Normalize(benchSql), Normalize(source), StringComparison.Ordinal);
    }

    private static string Normalize(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
