using System.Text.Json.Serialization;

namespace TxCoordinator.Contracts;

/// <summary>What a participant did with its branch in phase two.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ParticipantOutcome>))]
public enum ParticipantOutcome
{
    Committed,
    Aborted,
}
