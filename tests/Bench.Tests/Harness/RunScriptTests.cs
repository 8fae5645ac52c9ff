using System.Diagnostics;
using System.Text.RegularExpressions;
using TxCoordinator.TestInfrastructure;

namespace TxCoordinator.Bench.Tests.Harness;

/// <summary>
/// bench/run.sh itself, as a user runs it: nonsense is refused before anything starts, and a run that fails keeps
/// every log it wrote and leaves no server behind. Under scripts/test.sh the script inherits the test run's process
/// mark (scripts/lib/servers.sh): its clean-up must then kill what it started, not this test host.
/// </summary>
public sealed partial class RunScriptTests
{
    private static readonly TimeSpan RefusalTimeout = TimeSpan.FromSeconds(30);
    // Throwaway PostgreSQL and RabbitMQ start in ~10 s; the replica that cannot start is noticed as it exits.
    private static readonly TimeSpan FailedRunTimeout = TimeSpan.FromMinutes(3);

    [Theory]
    [InlineData("--concurrency", "0", "--concurrency values must be whole numbers from 1 to 1024, not '0'")]
    [InlineData("--peers", "nope", "unknown peer 'nope'")]
    [InlineData("--duration", "-3", "--duration must be a whole number of seconds")]
    public async Task Nonsense_IsRefusedWithExitCode2AndItsReason(string option, string value, string reason)
    {
        var result = await RunAsync(["--quick", "--no-build", option, value], new Dictionary<string, string>(), RefusalTimeout);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(reason, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("[servers", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task FailedRun_KeepsItsLogsWithoutBeingAsked_AndStopsItsServers()
    {
        SkipUnlessServersCanStart();
        var results = Directory.CreateTempSubdirectory("txc-bench-test-");
        string? kept = null;
        try
        {
            // A value the coordinator refuses at start-up: its replicas exit, so the run fails before any phase.
            var result = await RunAsync(
                ["--quick", "--no-build", "--peers", "txc-3", "--out", results.FullName],
                new Dictionary<string, string> { ["Coordinator__DefaultTimeout"] = "not-a-timespan" },
                FailedRunTimeout);

            Assert.Equal(1, result.ExitCode);
            kept = KeptLogs().Match(result.Stderr) is { Success: true } match ? match.Groups[1].Value : null;
            Assert.True(kept is not null, "run.sh did not say where it kept the logs:\n" + result.Stderr);
            var replicaLog = Path.Combine(kept, "coordinator-r1.log");
            Assert.True(File.Exists(replicaLog), $"{replicaLog} was not kept; the folder holds: "
                + string.Join(", ", Directory.EnumerateFileSystemEntries(kept).Select(Path.GetFileName)));
            Assert.Contains("not-a-timespan", await File.ReadAllTextAsync(replicaLog, TestContext.Current.CancellationToken), StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(kept, "postgres.log")), "PostgreSQL's log was not kept");

            var servers = RemovedServers().Match(result.Stderr);
            Assert.True(servers.Success, "run.sh did not remove its servers' folder:\n" + result.Stderr);
            Assert.False(Directory.Exists(servers.Groups[1].Value), $"{servers.Groups[1].Value} is still there");
            Assert.Empty(Directory.EnumerateFiles(results.FullName));
        }
        finally
        {
            results.Delete(recursive: true);
            if (kept is not null && Directory.Exists(kept))
            {
                Directory.Delete(kept, recursive: true);
            }
        }
    }

    // run.sh starts PostgreSQL 15 and RabbitMQ from this machine's packages (scripts/lib/servers.sh); .ci/run installs
    // them. Without them it would try apt-get, which a unit-test run has no business doing.
    private static void SkipUnlessServersCanStart()
    {
        var pgBin = Environment.GetEnvironmentVariable("TXC_PG_BIN") ?? "/usr/lib/postgresql/15/bin";
        if (!File.Exists(Path.Combine(pgBin, "initdb")) || !File.Exists("/usr/sbin/rabbitmq-server"))
        {
            Assert.Skip("needs PostgreSQL 15 and rabbitmq-server installed (.ci/run installs them)");
        }

        if (!File.Exists(Path.Combine(SolutionPaths.RepositoryRoot, "Coordinator", "bin", "Release", SolutionPaths.TargetFramework,
                "TxCoordinator.Coordinator.dll")))
        {
            Assert.Skip("needs the Release build that scripts/test.sh makes (run.sh --no-build runs it)");
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = SolutionPaths.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(Path.Combine(SolutionPaths.RepositoryRoot, "bench", "run.sh"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timer.Token);
        }
        catch (OperationCanceledException)
        {
            // TERM lets run.sh stop what it started; the test fails either way.
            UnixSignals.Terminate(process.Id);
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
            Assert.Fail($"bench/run.sh {string.Join(' ', arguments)} did not end within {timeout}:\n{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    [GeneratedRegex(@"logs kept in (\S+)")]
    private static partial Regex KeptLogs();

    [GeneratedRegex(@"removed (\S*txc-servers\.\S+)")]
    private static partial Regex RemovedServers();
}
