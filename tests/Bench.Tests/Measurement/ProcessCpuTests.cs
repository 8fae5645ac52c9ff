using TxCoordinator.Bench.Measurement;

namespace TxCoordinator.Bench.Tests.Measurement;

public sealed class ProcessCpuTests
{
    [Fact]
    public void ParseStat_CommandWithSpacesAndParentheses_FieldsCountedAfterIt()
    {
        const string line = "4242 (postgres: (x) wal) S 1 4200 4200 0 -1 4194560 100 0 0 0 150 50 7 3 20 0 1 0 100 0 0";

        var stat = ProcessCpu.ParseStat(line);

        Assert.Equal(new StatLine(4242, 1, 150L + 50 + 7 + 3), stat);
    }

    [Fact]
    public void TreeTicks_RootWithGrandchildren_SumsTheWholeTree()
    {
        StatLine[] processes = [new(10, 1, 5), new(11, 10, 7), new(12, 11, 3), new(20, 1, 100), new(21, 20, 1)];

        var trees = ProcessCpu.TreeTicks(processes, [10, 21, 99]);

        Assert.Equal(15, trees[10]);
        Assert.Equal(1, trees[21]);
        Assert.Equal(0, trees[99]);
    }

    [Fact]
    public void ParseStat_Truncated_Null()
    {
        Assert.Null(ProcessCpu.ParseStat("12 (x) S 1 2"));
    }

    [Fact]
    public void PercentOfCore_TwoSecondsOfCpuInFourSeconds_Fifty()
    {
        var percent = ProcessCpu.PercentOfCore(
            new Dictionary<string, double> { ["pg"] = 10 }, new Dictionary<string, double> { ["pg"] = 12, ["new"] = 1 }, TimeSpan.FromSeconds(4));

        Assert.Equal(50, percent["pg"]);
        Assert.Equal(25, percent["new"]);
    }

    [Fact]
    public void Sample_AlwaysReportsThisProcess()
    {
        var sample = ProcessCpu.Sample([]);

        Assert.True(sample[ProcessCpu.SelfName] > 0);
    }
}
