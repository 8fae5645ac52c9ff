using System.Text.RegularExpressions;
using TxCoordinator.IntegrationTests.Stack;
using TxCoordinator.TestInfrastructure;

namespace TxCoordinator.IntegrationTests.Load;

[Collection(StackCollection.Name)]
public sealed partial class ConcurrentOrdersTests(ServiceStack stack)
{
    [Fact]
    public async Task PlaceOrders_500ConcurrentWithRandomBusinessFailures_EveryInvariantHolds()
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");

        // The demo's own load generator and checker: it seeds, runs, waits for completion and checks every invariant.
        await using var runner = ProcessHost.Start(
            SolutionPaths.ProjectOutput("SampleServices/LoadRunner", "TxCoordinator.Samples.LoadRunner.dll"),
            [
                "--orders-url", stack.OrdersUrl.ToString(), "--coordinator-url", stack.CoordinatorUrl.ToString(),
                "--inventory-db", stack.InventoryDatabase, "--payments-db", stack.PaymentsDatabase,
                "--coordinator-db", stack.CoordinatorDatabase, "--orders", "500", "--concurrency", "32", "--seed", "7",
            ],
            new Dictionary<string, string>());
        var exitCode = await runner.WaitForExitAsync(TimeSpan.FromMinutes(4), TestContext.Current.CancellationToken);

        var summary = SummaryLine().Match(runner.Output);
        Assert.True(summary.Success, "no summary line; output:\n" + runner.Output);
        Assert.True(exitCode == 0, "load runner failed:\n" + runner.Output);
        Assert.Equal("0", summary.Groups["violations"].Value);
        Assert.Equal("0", summary.Groups["indoubt"].Value);
        var committed = int.Parse(summary.Groups["committed"].Value, System.Globalization.CultureInfo.InvariantCulture);
        var aborted = int.Parse(summary.Groups["aborted"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(committed + aborted == 500, $"{500 - committed - aborted} orders failed outright:\n" + runner.Output);
        Assert.InRange(aborted, 10, 150); // about 10% fail for business reasons
    }

    [GeneratedRegex(@"demo: committed=(?<committed>\d+) aborted=(?<aborted>\d+) in_doubt=(?<indoubt>\d+) violations=(?<violations>\d+)")]
    private static partial Regex SummaryLine();
}
