using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Admin;
using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Tests.Admin;

public sealed class TransactionFilterTests
{
    [Fact]
    public void Parse_Nothing_EveryTransactionFiftyAtATimeOldestFirst()
    {
        var filter = TransactionFilter.Parse(null, null, null, null, null, null);

        Assert.Empty(filter.States);
        Assert.Equal(
            ((TimeSpan?)null, (string?)null, TransactionFilter.DefaultLimit, (TransactionCursor?)null, false),
            (filter.OlderThan, filter.Participant, filter.Limit, filter.After, filter.Newest));
    }

    [Fact]
    public void Parse_StatesRepeatedAndCommaSeparated_CollectsEachOnceIgnoringCase()
    {
        var filter = TransactionFilter.Parse(["preparing,Committing", "PREPARING", "aborting"], "5m", "inventory", "10", null, "desc");

        Assert.Equal([TransactionState.Preparing, TransactionState.Committing, TransactionState.Aborting], filter.States);
        Assert.Equal((TimeSpan.FromMinutes(5), "inventory", 10, true), (filter.OlderThan, filter.Participant, filter.Limit, filter.Newest));
    }

    [Theory]
    [InlineData("state", "Pending", null, null, null, null, null)]
    [InlineData("state", "1", null, null, null, null, null)]
    [InlineData("olderThan", null, "yesterday", null, null, null, null)]
    [InlineData("participant", null, null, "Inventory!", null, null, null)]
    [InlineData("limit", null, null, null, "0", null, null)]
    [InlineData("limit", null, null, null, "501", null, null)]
    [InlineData("limit", null, null, null, "ten", null, null)]
    [InlineData("after", null, null, null, null, "garbage", null)]
    [InlineData("order", null, null, null, null, null, "sideways")]
    public void Parse_BadValue_RefusesNamingTheParameter(
        string parameter, string? state, string? olderThan, string? participant, string? limit, string? after, string? order)
    {
        var error = Assert.Throws<InvalidTransactionRequestException>(() =>
            TransactionFilter.Parse(state is null ? null : [state], olderThan, participant, limit, after, order));

        Assert.Equal(parameter, error.Field);
    }
}
