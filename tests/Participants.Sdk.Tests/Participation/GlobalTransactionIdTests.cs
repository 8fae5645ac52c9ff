using System.Text;
using TxCoordinator.Participants.Participation;

namespace TxCoordinator.Participants.Sdk.Tests.Participation;

public sealed class GlobalTransactionIdTests
{
    [Fact]
    public void Create_ValidParts_FormatsPrefixParticipantAndHexId()
    {
        var tx = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

        var gid = GlobalTransactionId.Create("inventory", tx);

        Assert.Equal("txc_inventory_0f8fad5bd9cb469fa16570867728950e", gid);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Inventory")]
    [InlineData("-inventory")]
    [InlineData("_inventory")]
    [InlineData("inv entory")]
    [InlineData("inv'; DROP TABLE stock; --")]
    [InlineData("inventory\n")]
    [InlineData("inventory.eu")]
    public void Create_InvalidParticipantId_Throws(string participantId)
    {
        Assert.Throws<ArgumentException>(() => GlobalTransactionId.Create(participantId, Guid.NewGuid()));
    }

    [Fact]
    public void Create_ParticipantIdOf64Characters_Throws()
    {
        Assert.Throws<ArgumentException>(() => GlobalTransactionId.Create(new string('a', 64), Guid.NewGuid()));
    }

    [Fact]
    public void Create_LongestParticipantId_StaysUnder200Bytes()
    {
        var gid = GlobalTransactionId.Create(new string('a', 63), Guid.NewGuid());

        Assert.True(Encoding.UTF8.GetByteCount(gid) < 200);
    }

    [Fact]
    public void Create_EmptyTransactionId_Throws()
    {
        Assert.Throws<ArgumentException>(() => GlobalTransactionId.Create("inventory", Guid.Empty));
    }

    [Fact]
    public void TryParse_OwnGid_ReturnsTransactionId()
    {
        var tx = Guid.NewGuid();

        Assert.True(GlobalTransactionId.TryParse("inventory", GlobalTransactionId.Create("inventory", tx), out var parsed));
        Assert.Equal(tx, parsed);
    }

    [Theory]
    [InlineData("inv")]
    [InlineData("payments")]
    public void TryParse_AnotherParticipantsGid_ReturnsFalse(string participantId)
    {
        var gid = GlobalTransactionId.Create("inv_x", Guid.NewGuid());

        Assert.False(GlobalTransactionId.TryParse(participantId, gid, out _));
    }

    [Fact]
    public void TryParse_UpperCaseHex_ReturnsFalse()
    {
        var gid = "txc_inventory_" + Guid.NewGuid().ToString("N").ToUpperInvariant();

        Assert.False(GlobalTransactionId.TryParse("inventory", gid, out _));
    }

    [Fact]
    public void LikePattern_Underscores_AreEscaped()
    {
        Assert.Equal(@"txc\_my\_svc\_%", GlobalTransactionId.LikePattern("my_svc"));
    }
}
