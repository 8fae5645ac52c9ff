using System.Text.Json;
using TxCoordinator.Bench.Measurement;

namespace TxCoordinator.Bench.Tests.Measurement;

public sealed class PhaseResultTests
{
    private static PhaseResult Aggregate(IReadOnlyCollection<Completion> completions, double? rate = null) =>
        PhaseResult.From("floor", "test", rate, 32, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2), completions, 0,
            new Dictionary<string, double> { ["postgres"] = 55.5 }, new Dictionary<string, string>());

    [Fact]
    public void From_MixedOutcomes_CountsEachAndRates()
    {
        Completion[] completions =
        [
            .. Enumerable.Range(1, 90).Select(i => new Completion(OpOutcome.Committed, i)),
            .. Enumerable.Range(1, 8).Select(_ => new Completion(OpOutcome.Aborted, 1000)),
            new Completion(OpOutcome.Failed, 5000),
            new Completion(OpOutcome.Failed, 5000),
        ];

        var result = Aggregate(completions);

        Assert.Equal(90, result.Committed);
        Assert.Equal(8, result.Aborted);
        Assert.Equal(2, result.Failed);
        Assert.Equal(9.0, result.Tps);
        Assert.Equal(10.0, result.FinishedPerS);
        Assert.Equal(Math.Round(8 / 98.0, 4), result.AbortRate);
        Assert.Equal("closed", result.Loop);
        Assert.Equal(32, result.Concurrency);
    }

    [Fact]
    public void From_Latency_OnlyCommittedCount()
    {
        var result = Aggregate([new Completion(OpOutcome.Committed, 2), new Completion(OpOutcome.Aborted, 900), new Completion(OpOutcome.Failed, 900)]);

        Assert.Equal(1, result.LatencyMs.Count);
        Assert.Equal(2, result.LatencyMs.Max);
    }

    [Fact]
    public void From_OpenLoop_RateInsteadOfConcurrency()
    {
        var result = Aggregate([], rate: 100);

        Assert.Equal("open", result.Loop);
        Assert.Null(result.Concurrency);
        Assert.Equal(0, result.Tps);
        Assert.Equal(0, result.AbortRate);
    }

    [Fact]
    public void ToJson_SnakeCaseFieldsForTheScripts()
    {
        using var json = JsonDocument.Parse(Aggregate([new Completion(OpOutcome.Committed, 3)]).ToJson());
        var root = json.RootElement;

        Assert.Equal("floor", root.GetProperty("peer").GetString());
        Assert.Equal(0.1, root.GetProperty("tps").GetDouble());
        Assert.Equal(3, root.GetProperty("latency_ms").GetProperty("p99").GetDouble());
        Assert.Equal(55.5, root.GetProperty("cpu_pct").GetProperty("postgres").GetDouble());
    }
}
