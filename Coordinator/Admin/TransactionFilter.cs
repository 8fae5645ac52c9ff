using System.Text.RegularExpressions;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Admin;

/// <summary>The filters of <c>GET /admin/transactions</c>, parsed and checked; a bad value names its parameter.</summary>
public sealed partial record TransactionFilter(
    IReadOnlyList<TransactionState> States,
    TimeSpan? OlderThan,
    string? Participant,
    int Limit,
    TransactionCursor? After,
    bool Newest)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <exception cref="InvalidTransactionRequestException">A parameter's value is malformed; its name is the field.</exception>
    public static TransactionFilter Parse(
        IEnumerable<string?>? states, string? olderThan, string? participant, string? limit, string? after, string? order)
    {
        var parsedStates = new List<TransactionState>();
        // Several states: repeated (state=A&state=B) or comma-separated (state=A,B).
        foreach (var name in (states ?? []).SelectMany(s => (s ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            if (!Enum.TryParse<TransactionState>(name, ignoreCase: true, out var state) || !char.IsLetter(name[0]))
            {
                throw new InvalidTransactionRequestException(
                    "state", $"'{name}' is not a transaction state; expected one or several of {string.Join(", ", Enum.GetNames<TransactionState>())}.");
            }

            if (!parsedStates.Contains(state))
            {
                parsedStates.Add(state);
            }
        }

        TimeSpan? age = null;
        if (olderThan is not null)
        {
            age = DurationParser.TryParse(olderThan, out var parsed)
                ? parsed
                : throw new InvalidTransactionRequestException(
                    "olderThan", $"'{olderThan}' is not a duration; use e.g. 30s, 5m, 2h, 1d, 500ms or 00:05:00.");
        }

        if (participant is not null && !ParticipantIdPattern().IsMatch(participant))
        {
            throw new InvalidTransactionRequestException(
                "participant", $"'{participant}' is not a participant id (1-64 lower-case letters, digits, '-' or '_').");
        }

        var pageSize = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, out pageSize) || pageSize is < 1 or > MaxLimit))
        {
            throw new InvalidTransactionRequestException("limit", $"'{limit}' is not a page size; use 1 to {MaxLimit}.");
        }

        TransactionCursor? cursor = null;
        if (after is not null)
        {
            cursor = TransactionCursor.TryDecode(after, out var decoded)
                ? decoded
                : throw new InvalidTransactionRequestException("after", $"'{after}' is not a cursor; pass the 'next' of a previous page.");
        }

        var newest = order?.ToLowerInvariant() switch
        {
            null or "asc" or "oldest" => false,
            "desc" or "newest" => true,
            _ => throw new InvalidTransactionRequestException("order", $"'{order}' is not an order; use asc (oldest first) or desc (newest first)."),
        };
        return new TransactionFilter(parsedStates, age, participant, pageSize, cursor, newest);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex ParticipantIdPattern();
}
