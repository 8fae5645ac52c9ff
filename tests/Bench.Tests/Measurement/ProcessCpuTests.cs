using TxCoordinator.Bench.Measurement;

namespace TxCoordinator.Bench.Tests.Measurement;

public sealed class ProcessCpuTests
{
    [Fact]
    public void ParseStat_CommandWithSpacesAndParentheses_FieldsCountedAfterIt()
    {
        const string line = "4242 (postgres: (x) wal) S 1 4200 4200 0 -1 4194560 100 0 0 0 150 50 7 3 20 0 1 0 100 0 0";

        var stat = ProcessCpu.ParseStat(line);

        Assert.Equal((4200, 150L + 50 + 7 + 3), stat);
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
