using System.Text.Json;
using System.Text.Json.Serialization;

namespace TxCoordinator.Samples.LoadRunner.History;

/// <summary>The one JSON shape of history lines, shared by the writer, the reader and the tests.</summary>
public static class HistoryJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        // Lines written by hand or by bash may put "type" anywhere.
        AllowOutOfOrderMetadataProperties = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(HistoryRecord record) => JsonSerializer.Serialize(record, Options);

    /// <exception cref="HistoryFormatException">The line is not a history record.</exception>
    public static HistoryRecord Deserialize(string line, int lineNumber)
    {
        try
        {
            return JsonSerializer.Deserialize<HistoryRecord>(line, Options)
                ?? throw new HistoryFormatException($"line {lineNumber}: null record");
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            throw new HistoryFormatException($"line {lineNumber}: {ex.Message}", ex);
        }
    }
}
