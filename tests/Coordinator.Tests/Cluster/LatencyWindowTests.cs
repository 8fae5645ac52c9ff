using TxCoordinator.Coordinator.Cluster;

namespace TxCoordinator.Coordinator.Tests.Cluster;

public sealed class LatencyWindowTests
{
    private static LatencyWindow WindowOf(int capacity, params double[] samples)
    {
        var window = new LatencyWindow(capacity);
        foreach (var sample in samples)
        {
            window.Add(sample);
        }

        return window;
    }

    [Fact]
    public void Summarize_NoSamples_IsAllZeros()
    {
        Assert.Equal(new LatencyWindow.Summary(0, 0, 0, 0), new LatencyWindow(16).Summarize());
    }

    [Fact]
    public void Summarize_OneSample_IsThatSampleEverywhere()
    {
        Assert.Equal(new LatencyWindow.Summary(1, 12.5, 12.5, 12.5), WindowOf(16, 12.5).Summarize());
    }

    [Fact]
    public void Summarize_TenUnsortedSamples_GivesNearestRankPercentilesAndTheMean()
    {
        var window = WindowOf(16, 7, 3, 9, 1, 5, 10, 2, 8, 4, 6);

        // Nearest rank: p50 is the 5th of 10 sorted samples, p99 the 10th.
        Assert.Equal(new LatencyWindow.Summary(10, 5, 10, 5.5), window.Summarize());
    }

    [Fact]
    public void Summarize_OneToAHundredInReverse_GivesTheFiftiethAndNinetyNinthSample()
    {
        var window = WindowOf(128, [.. Enumerable.Range(1, 100).Reverse().Select(i => (double)i)]);

        Assert.Equal(new LatencyWindow.Summary(100, 50, 99, 50.5), window.Summarize());
    }

    [Fact]
    public void Summarize_OneOutlierInAHundred_ShowsInP99ButNotInP50()
    {
        var window = WindowOf(128, [.. Enumerable.Repeat(2.0, 99), 500]);

        Assert.Equal(new LatencyWindow.Summary(100, 2, 2, 6.98), window.Summarize());
    }

    [Fact]
    public void Summarize_FractionalSamples_RoundsPercentilesToTwoDecimals()
    {
        var summary = WindowOf(16, 1.23456, 2.34567).Summarize();

        Assert.Equal((1.23, 2.35), (summary.P50, summary.P99));
    }

    [Fact]
    public void Summarize_ExactlyCapacitySamples_KeepsThemAll()
    {
        Assert.Equal(new LatencyWindow.Summary(4, 2, 4, 2.5), WindowOf(4, 4, 3, 2, 1).Summarize());
    }

    [Fact]
    public void Add_PastCapacity_KeepsOnlyTheLastSamples()
    {
        var window = WindowOf(4, 1_000, 1_000, 1_000, 1_000, 1, 2, 3, 4);

        Assert.Equal(new LatencyWindow.Summary(4, 2, 4, 2.5), window.Summarize());
    }

    [Fact]
    public void Add_WrappingSeveralTimes_KeepsOnlyTheLastSamples()
    {
        var window = WindowOf(4, [.. Enumerable.Range(1, 10).Select(i => (double)i)]);

        // 7, 8, 9 and 10 remain.
        Assert.Equal(new LatencyWindow.Summary(4, 8, 10, 8.5), window.Summarize());
    }
}
