using System.Diagnostics;
using System.Text.Json.Nodes;
using TxCoordinator.TestInfrastructure;

namespace TxCoordinator.Bench.Tests.Harness;

/// <summary>
/// bench/report.py's bound on what any coordinator would cost, from phase results whose figures are chosen so that
/// every part of the sum is a different round number.
/// </summary>
public sealed class ReportScriptTests : IDisposable
{
    private static readonly TimeSpan ReportTimeout = TimeSpan.FromSeconds(30);
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("txc-report-test-");

    [Fact]
    public async Task FullRun_PricesTheCheapestCoordinatorWithItsOwnFigures_AndTheMessagesTxCoordinatorSends()
    {
        WriteFullRun();
        // A transient MassTransit round trip 0.3 ms: the messages TxCoordinator sends, so the ones priced.
        WritePhase("bus-mt-transient", 4000, new() { ["rabbitmq"] = 60, ["bench-client"] = 60 });

        var (json, markdown) = await ReportAsync();

        var bound = json["coordination_bound"]!;
        Assert.True(bound["transient_messages"]!.GetValue<bool>());
        Assert.Equal(4.0, bound["budget_ms"]!.GetValue<double>(), 3);
        Assert.Equal(2.25, bound["chain_ms"]!.GetValue<double>(), 3);
        Assert.Equal(0.5, bound["prepared_ms"]!.GetValue<double>(), 3);
        Assert.Equal(0.9, bound["messages_mt_ms"]!.GetValue<double>(), 3);
        Assert.Equal(3.65, bound["bound_mt_ms"]!.GetValue<double>(), 3);
        Assert.Equal(3.05, bound["bound_raw_ms"]!.GetValue<double>(), 3);
        Assert.Equal(9.0, bound["txc3_ms"]!.GetValue<double>(), 3);
        Assert.Contains("| 0.90 | three MassTransit round trips of peer b, transient |", markdown, StringComparison.Ordinal);
        Assert.Contains("| **all** | **3.65** | 0.91 × the budget |", markdown, StringComparison.Ordinal);
        Assert.Contains("| all, the messages through RabbitMQ.Client instead | 3.05 | 0.76 × the budget |", markdown, StringComparison.Ordinal);
        Assert.Contains("| TxCoordinator, 3 replicas, measured | 9.00 | 2.25 × the budget |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FullRun_BeforeTransientRoundTrips_PricesThePersistentOnes()
    {
        WriteFullRun();

        var (json, markdown) = await ReportAsync();

        var bound = json["coordination_bound"]!;
        Assert.False(bound["transient_messages"]!.GetValue<bool>());
        Assert.Equal(1.8, bound["messages_mt_ms"]!.GetValue<double>(), 3);
        Assert.Equal(4.55, bound["bound_mt_ms"]!.GetValue<double>(), 3);
        Assert.Contains("| 1.80 | three MassTransit round trips of peer b, persistent and confirmed |", markdown, StringComparison.Ordinal);
        Assert.Contains("| **all** | **4.55** | 1.14 × the budget |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuickRun_WithoutTheChain_HasNoBound()
    {
        WritePhase("floor", 1000, new() { ["postgres"] = 150, ["bench-client"] = 50 });
        WritePhase("bus-mt", 3000, new() { ["rabbitmq"] = 90, ["bench-client"] = 90 });
        WritePhase("txc-3", 200, new() { ["coordinator"] = 60, ["postgres"] = 60 });

        var (json, markdown) = await ReportAsync();

        Assert.Null(json["coordination_bound"]);
        Assert.DoesNotContain("What any coordinator would cost", markdown, StringComparison.Ordinal);
        Assert.Contains("bench: txc_tps=200 floor_tps=1000 ratio=0.2", markdown, StringComparison.Ordinal);
    }

    public void Dispose() => _work.Delete(recursive: true);

    // Per committed order or round trip: the floor 2.0 ms (PostgreSQL 1.5), the chain 2.25 (PostgreSQL 1.0), a
    // persistent MassTransit round trip 0.6, a RabbitMQ.Client one 0.1, 3 replicas 9.0.
    private void WriteFullRun()
    {
        WritePhase("floor", 1000, new() { ["postgres"] = 150, ["bench-client"] = 50 });
        WritePhase("chain", 800, new() { ["postgres"] = 80, ["orders"] = 40, ["inventory"] = 30, ["payments"] = 30 });
        WritePhase("bus-mt", 3000, new() { ["rabbitmq"] = 90, ["bench-client"] = 90 });
        WritePhase("bus-raw", 10000, new() { ["rabbitmq"] = 60, ["bench-client"] = 40 });
        WritePhase("txc-3", 200, new() { ["coordinator"] = 60, ["postgres"] = 60, ["orders"] = 20, ["inventory"] = 20, ["payments"] = 20 });
    }

    private void WritePhase(string peer, double tps, Dictionary<string, double> cpu)
    {
        var phases = Directory.CreateDirectory(Path.Combine(_work.FullName, "phases"));
        var phase = new JsonObject
        {
            ["peer"] = peer,
            ["label"] = $"{peer}-c32",
            ["loop"] = "closed",
            ["concurrency"] = 32,
            ["committed"] = (long)(tps * 20),
            ["failed"] = 0,
            ["tps"] = tps,
            // Refused orders count as finished: the bound counts per committed order, as the docs do.
            ["finished_per_s"] = tps * 1.1,
            ["abort_rate"] = 0.09,
            ["latency_ms"] = new JsonObject { ["p50"] = 10, ["p95"] = 20, ["p99"] = 30, ["max"] = 40 },
            ["cpu_pct"] = new JsonObject(cpu.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value))),
            ["parameters"] = new JsonObject(),
        };
        File.WriteAllText(Path.Combine(phases.FullName, peer + ".json"), phase.ToJsonString());
    }

    private async Task<(JsonNode Json, string Markdown)> ReportAsync()
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[]
                 {
                     Path.Combine(SolutionPaths.RepositoryRoot, "bench", "report.py"),
                     "--phases", Path.Combine(_work.FullName, "phases"), "--base", Path.Combine(_work.FullName, "out"),
                     "--commit", "test",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(ReportTimeout, TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, "report.py failed:\n" + await stderr);

        var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_work.FullName, "out.json"), TestContext.Current.CancellationToken))!;
        var markdown = await File.ReadAllTextAsync(Path.Combine(_work.FullName, "out.md"), TestContext.Current.CancellationToken);
        return (json, markdown);
    }
}
