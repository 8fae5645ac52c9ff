using TxCoordinator.Bench.Measurement;

namespace TxCoordinator.Bench.Tests.Measurement;

public sealed class PercentilesTests
{
    [Fact]
    public void NearestRank_HundredValues_PicksTheRankedValue()
    {
        var values = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();

        Assert.Equal(50, Percentiles.NearestRank(values, 0.50));
        Assert.Equal(95, Percentiles.NearestRank(values, 0.95));
        Assert.Equal(99, Percentiles.NearestRank(values, 0.99));
        Assert.Equal(100, Percentiles.NearestRank(values, 1));
        Assert.Equal(1, Percentiles.NearestRank(values, 0));
    }

    [Fact]
    public void NearestRank_FewValues_RoundsUp()
    {
        Assert.Equal(3, Percentiles.NearestRank([1, 2, 3], 0.99));
        Assert.Equal(2, Percentiles.NearestRank([1, 2, 3], 0.50));
    }

    [Fact]
    public void NearestRank_Empty_Zero()
    {
        Assert.Equal(0, Percentiles.NearestRank([], 0.5));
    }

    [Fact]
    public void Summarize_Unsorted_SortsFirst()
    {
        var summary = Percentiles.Summarize([5, 1, 4, 2, 3]);

        Assert.Equal(5, summary.Count);
        Assert.Equal(3, summary.P50);
        Assert.Equal(5, summary.Max);
        Assert.Equal(3, summary.Mean);
    }
}
