using TxCoordinator.Bench.Cli;
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

        var members = new HashSet<int>();
        var trees = ProcessCpu.TreeTicks(processes, [10, 21, 99], members);

        Assert.Equal(15, trees[10]);
        Assert.Equal(1, trees[21]);
        Assert.Equal(0, trees[99]);
        Assert.Equal([10, 11, 12, 21], members.Order());
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
    public void Sample_ChildThatRanAndEnded_CountedInItsParentsTree()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        WatchedProcess[] watched = [new("self", [self.Id])];
        var before = ProcessCpu.Sample(watched)["self"];

        // A child that burns about half a second of CPU, then is reaped: its time moves to this process's cutime.
        using (var child = System.Diagnostics.Process.Start("sh", ["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"]))
        {
            child.WaitForExit();
        }

        var after = ProcessCpu.Sample(watched)["self"];
        Assert.True(after - before >= 0.2, $"{after - before:F2} s of CPU counted for the child");
    }

    [Fact]
    public void Sample_AlwaysReportsThisProcess()
    {
        var sample = ProcessCpu.Sample([]);

        Assert.True(sample[ProcessCpu.SelfName] > 0);
    }
}
