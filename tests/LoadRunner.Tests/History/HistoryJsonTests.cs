using TxCoordinator.Samples.LoadRunner.History;

namespace TxCoordinator.Samples.LoadRunner.Tests.History;

public sealed class HistoryJsonTests
{
    [Fact]
    public void Deserialize_FaultLineAsTheNemesisWritesIt_ReadsEveryField()
    {
        // Exactly what scripts/lib/nemesis.sh prints with printf.
        const string line = """{"type":"fault","kind":"partition","target":"r2","role":"leader","start":1700000000123,"end":1700000004567}""";

        var fault = Assert.IsType<FaultRecord>(HistoryJson.Deserialize(line, 1));

        Assert.Equal(new FaultRecord("partition", "r2", "leader", 1_700_000_000_123, 1_700_000_004_567), fault);
    }

    [Fact]
    public void Serialize_ThenDeserialize_KeepsEveryRecordOfTheCleanHistory()
    {
        var records = new Histories().Records;

        var lines = records.Select(HistoryJson.Serialize).ToList();
        var back = lines.Select((l, i) => HistoryJson.Deserialize(l, i + 1)).ToList();
        var result = HistoryChecker.Check(RunHistory.From(back));

        Assert.All(lines, l => Assert.StartsWith("""{"type":""", l, StringComparison.Ordinal));
        Assert.Equal(records.Count, back.Count);
        Assert.Empty(result.Violations);
        Assert.Equal(3, result.Transactions);
    }

    [Fact]
    public void Serialize_ThenDeserialize_KeepsTheReplicasDecisions()
    {
        var final = Histories.Final() with
        {
            ReplicaDecisions = new Dictionary<string, IReadOnlyDictionary<Guid, string>>
            {
                ["r1"] = new Dictionary<Guid, string> { [Histories.CommittedTx] = "Committed" },
                ["r2"] = new Dictionary<Guid, string> { [Histories.AbortedTx] = "Aborted" },
            },
        };

        var back = Assert.IsType<FinalRecord>(HistoryJson.Deserialize(HistoryJson.Serialize(final), 1));

        Assert.Equal(["r1", "r2"], back.ReplicaDecisions!.Keys.Order());
        Assert.Equal("Committed", back.ReplicaDecisions["r1"][Histories.CommittedTx]);
        Assert.Equal("Aborted", back.ReplicaDecisions["r2"][Histories.AbortedTx]);
    }

    [Fact]
    public void Deserialize_NotAHistoryRecord_ThrowsWithTheLineNumber()
    {
        var error = Assert.Throws<HistoryFormatException>(() => HistoryJson.Deserialize("""{"type":"nonsense"}""", 7));

        Assert.StartsWith("line 7:", error.Message, StringComparison.Ordinal);
    }
}
