using TxCoordinator.IntegrationTests.Stack;
using TxCoordinator.TestInfrastructure;

namespace TxCoordinator.IntegrationTests.Admin;

/// <summary>The built <c>txc</c> run as a process against the stack, as an operator would.</summary>
[Collection(StackCollection.Name)]
public sealed class TxcCliTests(ServiceStack stack)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    private static async Task<(int ExitCode, string Output)> TxcAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        await using var txc = ProcessHost.Start(SolutionPaths.ProjectOutput("scripts/txc", "TxCoordinator.Cli.dll"), arguments, environment);
        var exitCode = await txc.WaitForExitAsync(RunTimeout, TestContext.Current.CancellationToken);
        // The exit is seen before the last output lines are: give the readers a moment.
        await Task.Delay(200, TestContext.Current.CancellationToken);
        return (exitCode, txc.Output);
    }

    private Task<(int ExitCode, string Output)> TxcAsync(params string[] arguments)
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        return TxcAsync(new Dictionary<string, string> { ["TXC_COORDINATOR_URLS"] = stack.CoordinatorUrl.ToString() }, arguments);
    }

    [Fact]
    public async Task TxList_ByParticipant_PrintsTheTransaction()
    {
        var tx = await StackBeginWithAsync("cli-list");

        var (exitCode, output) = await TxcAsync("tx", "list", "--participant", "cli-list", "--state", "Active", "--limit", "500");

        Assert.True(exitCode == 0, output);
        Assert.Contains(tx.ToString(), output, StringComparison.Ordinal);
        Assert.Contains("STATE", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TxShow_Transaction_PrintsParticipantsAndTimeline()
    {
        var tx = await StackBeginWithAsync("cli-show");

        var (exitCode, output) = await TxcAsync("tx", "show", tx.ToString());

        Assert.True(exitCode == 0, output);
        Assert.Contains($"transaction {tx}", output, StringComparison.Ordinal);
        Assert.Contains("cli-show", output, StringComparison.Ordinal);
        Assert.Contains("timeline:", output, StringComparison.Ordinal);
        Assert.Contains("enlisted", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TxAbort_ActiveTransaction_AbortsIt()
    {
        var tx = await StackBeginWithAsync("cli-abort");

        var (exitCode, output) = await TxcAsync("tx", "abort", tx.ToString(), "--reason", "test", "--operator", "carol");

        Assert.True(exitCode == 0, output);
        Assert.Contains("aborted by carol", output, StringComparison.Ordinal);
        Assert.Equal(Contracts.TransactionState.Aborted, (await stack.GetAsync(tx)).State);
    }

    [Fact]
    public async Task TxShow_UnknownTransaction_ExitsWith1()
    {
        var (exitCode, output) = await TxcAsync("tx", "show", Guid.NewGuid().ToString());

        Assert.Equal(1, exitCode);
        Assert.Contains("404", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_SingleCoordinator_PrintsItAndTheCounts()
    {
        var (exitCode, output) = await TxcAsync("status");

        Assert.True(exitCode == 0, output);
        Assert.Contains("single coordinator", output, StringComparison.Ordinal);
        Assert.Contains("unfinished:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_NoCoordinatorAnswers_ExitsWith3AndOneLine()
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}";

        var (exitCode, output) = await TxcAsync(new Dictionary<string, string>(), "--coordinator", url, "status");

        Assert.Equal(3, exitCode);
        Assert.Equal($"txc: no coordinator answered at {url}: connection refused", output.Trim());
    }

    [Fact]
    public async Task BadArguments_ExitWith2AndUsage()
    {
        var (exitCode, output) = await TxcAsync("tx", "list", "--bogus", "1");

        Assert.Equal(2, exitCode);
        Assert.Contains("unknown option --bogus", output, StringComparison.Ordinal);
        Assert.Contains("usage: txc", output, StringComparison.Ordinal);
    }

    private async Task<Guid> StackBeginWithAsync(string participant)
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        // Short: the stack is shared, and the load test waits for every transaction in it to settle.
        var tx = await stack.BeginAsync(20);
        (await stack.EnlistAsync(tx.Id, participant, $"txc-participant-{participant}")).EnsureSuccessStatusCode();
        return tx.Id;
    }
}
