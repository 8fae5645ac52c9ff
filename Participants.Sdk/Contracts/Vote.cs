using System.Text.Json.Serialization;

namespace TxCoordinator.Contracts;

/// <summary>A participant's answer to <see cref="PrepareTransaction"/>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Vote>))]
public enum Vote
{
    /// <summary>The work is durable in a prepared transaction and can be committed or rolled back later.</summary>
    Yes,

    /// <summary>The work failed or is unknown here: the transaction must abort.</summary>
    No,

    /// <summary>The participant changed nothing; it takes no part in phase two.</summary>
    ReadOnly,
}
