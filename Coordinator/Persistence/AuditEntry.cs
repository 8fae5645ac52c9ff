using System.Text.Json.Serialization;
using TxCoordinator.Contracts;

namespace TxCoordinator.Coordinator.Persistence;

/// <summary>
/// One operator action on a transaction, accepted or refused. The JSON names are fixed here because the entry is
/// written by two serialisers (EF Core's column conversion and the replicated image's snake_case options) that must
/// produce the same document.
/// </summary>
/// <param name="At">When the coordinator handled the request.</param>
/// <param name="Action">What was asked, e.g. <see cref="HeuristicAbort"/>.</param>
/// <param name="Operator">Who asked, as given in the request.</param>
/// <param name="Reason">Why, as given in the request.</param>
/// <param name="StateBefore">The transaction's state when the request was handled.</param>
/// <param name="Applied">False when the request was refused; <paramref name="Result"/> then says why.</param>
/// <param name="Result">What happened.</param>
public sealed record AuditEntry(
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("operator")] string Operator,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("stateBefore")] TransactionState StateBefore,
    [property: JsonPropertyName("applied")] bool Applied,
    [property: JsonPropertyName("result")] string Result)
{
    public const string HeuristicAbort = "heuristic-abort";
}
