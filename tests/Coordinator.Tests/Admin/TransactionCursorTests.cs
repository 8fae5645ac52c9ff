using TxCoordinator.Coordinator.Admin;

namespace TxCoordinator.Coordinator.Tests.Admin;

public sealed class TransactionCursorTests
{
    private static readonly TransactionCursor Cursor = new(
        new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(1230), Guid.Parse("0193a1b2-0000-7000-8000-000000000001"));

    [Fact]
    public void Encode_ThenDecode_GivesTheSamePosition()
    {
        var text = Cursor.Encode();

        Assert.True(TransactionCursor.TryDecode(text, out var decoded));
        Assert.Equal(Cursor, decoded);
    }

    [Fact]
    public void Encode_IsUrlSafe()
    {
        Assert.Matches("^[A-Za-z0-9_-]+$", Cursor.Encode());
    }

    [Fact]
    public void Decode_OtherOffset_ComparesAsTheSameInstant()
    {
        var local = Cursor with { CreatedAt = Cursor.CreatedAt.ToOffset(TimeSpan.FromHours(2)) };

        Assert.True(TransactionCursor.TryDecode(local.Encode(), out var decoded));
        Assert.Equal(Cursor.CreatedAt, decoded.CreatedAt);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a cursor!")]
    [InlineData("bm90LWEtY3Vyc29y")] // "not-a-cursor"
    [InlineData("MTIzOm5vdC1hLWd1aWQ")] // "123:not-a-guid"
    [InlineData("LTE6MDE5M2ExYjIwMDAwNzAwMDgwMDAwMDAwMDAwMDAwMDE")] // negative ticks
    public void TryDecode_Malformed_Refuses(string text)
    {
        Assert.False(TransactionCursor.TryDecode(text, out _));
    }
}
