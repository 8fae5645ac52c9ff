using TxCoordinator.Coordinator.Admin;

namespace TxCoordinator.Coordinator.Tests.Admin;

public sealed class DurationParserTests
{
    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("500ms", 500)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2H", 7_200_000)]
    [InlineData("00:00:30", 30_000)]
    [InlineData("1.00:00:00", 86_400_000)]
    [InlineData("0s", 0)]
    public void TryParse_ShortFormOrTimeSpan_GivesTheDuration(string text, long milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("30")]
    [InlineData("-5m")]
    [InlineData("-00:00:30")]
    [InlineData("5 m")]
    [InlineData("5y")]
    [InlineData("99999999999d")]
    public void TryParse_Malformed_Refuses(string? text)
    {
        Assert.False(DurationParser.TryParse(text, out _));
    }
}
