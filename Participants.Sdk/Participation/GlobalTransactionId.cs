using System.Text;
using System.Text.RegularExpressions;

namespace TxCoordinator.Participants.Participation;

/// <summary>
/// The PostgreSQL global transaction id (gid) of one participant's branch: "txc_" + participant id + "_" + transaction id
/// as 32 hex digits. The participant id keeps services that share one PostgreSQL server apart.
/// </summary>
/// <remarks>
/// PREPARE TRANSACTION and COMMIT/ROLLBACK PREPARED take the gid as a literal, not a parameter, so it is built only
/// from validated parts and checked again before it is ever put into SQL.
/// </remarks>
public static partial class GlobalTransactionId
{
    public const string ParticipantIdPattern = "^[a-z0-9][a-z0-9_-]{0,62}$";

    /// <summary>PostgreSQL limits a gid to 200 bytes.</summary>
    public const int MaxBytes = 199;

    private const string Prefix = "txc_";

    /// <summary>Builds the gid of <paramref name="transactionId"/> for <paramref name="participantId"/>.</summary>
    /// <exception cref="ArgumentException">The participant id is not valid or the transaction id is empty.</exception>
    public static string Create(string participantId, Guid transactionId)
    {
        ValidateParticipantId(participantId);
        if (transactionId == Guid.Empty)
        {
            throw new ArgumentException("The transaction id must not be empty.", nameof(transactionId));
        }

        var gid = Prefix + participantId + "_" + transactionId.ToString("N");
        EnsureSafeLiteral(gid);
        return gid;
    }

    /// <summary>Reads the transaction id back from a gid of <paramref name="participantId"/>; false for anyone else's.</summary>
    public static bool TryParse(string participantId, string gid, out Guid transactionId)
    {
        transactionId = Guid.Empty;
        var prefix = Prefix + participantId + "_";
        if (gid is null || !gid.StartsWith(prefix, StringComparison.Ordinal) || gid.Length != prefix.Length + 32)
        {
            return false;
        }

        // "N" format only: another participant whose id extends ours ("inv" vs "inv_x") never parses as ours.
        return Guid.TryParseExact(gid.AsSpan(prefix.Length), "N", out transactionId)
            && gid.AsSpan(prefix.Length).IndexOfAnyExcept("0123456789abcdef") < 0
            && transactionId != Guid.Empty;
    }

    /// <summary>A LIKE pattern that finds this participant's gids (the '_' wildcards escaped).</summary>
    public static string LikePattern(string participantId)
    {
        ValidateParticipantId(participantId);
        return (Prefix + participantId + "_").Replace("_", "\\_", StringComparison.Ordinal) + "%";
    }

    /// <summary>Throws unless <paramref name="participantId"/> matches <see cref="ParticipantIdPattern"/>.</summary>
    public static void ValidateParticipantId(string participantId)
    {
        if (participantId is null || !ParticipantIdRegex().IsMatch(participantId))
        {
            throw new ArgumentException(
                $"Participant id '{participantId}' is not valid: it must match {ParticipantIdPattern}.", nameof(participantId));
        }
    }

    /// <summary>Quotes a gid for SQL after checking it is one of ours.</summary>
    internal static string ToSqlLiteral(string gid)
    {
        EnsureSafeLiteral(gid);
        return "'" + gid + "'";
    }

    private static void EnsureSafeLiteral(string gid)
    {
        if (!GidRegex().IsMatch(gid) || Encoding.UTF8.GetByteCount(gid) > MaxBytes)
        {
            throw new ArgumentException($"'{gid}' is not a valid global transaction id.", nameof(gid));
        }
    }

    // \z rather than $: "$" also matches before a trailing newline, which must never reach a SQL literal.
    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]{0,62}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ParticipantIdRegex();

    [GeneratedRegex(@"^txc_[a-z0-9][a-z0-9_-]{0,62}_[0-9a-f]{32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex GidRegex();
}
