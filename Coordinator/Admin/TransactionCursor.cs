using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace TxCoordinator.Coordinator.Admin;

/// <summary>
/// The position after the last transaction of a page: its (createdAt, id), the key the list is ordered by. Opaque to
/// clients (base64url), so its form can change; only a cursor this API handed out is accepted.
/// </summary>
public readonly record struct TransactionCursor(DateTimeOffset CreatedAt, Guid Id)
{
    public string Encode() => Base64Url.EncodeToString(
        Encoding.UTF8.GetBytes($"{CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{Id:N}"));

    public static bool TryDecode(string? text, out TransactionCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(text) || text.Length > 100 || !Base64Url.IsValid(text))
        {
            return false;
        }

        var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text)).Split(':');
        if (parts is not [var ticksText, var idText]
            || !long.TryParse(ticksText, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks
            || !Guid.TryParseExact(idText, "N", out var id))
        {
            return false;
        }

        cursor = new TransactionCursor(new DateTimeOffset(ticks, TimeSpan.Zero), id);
        return true;
    }
}
