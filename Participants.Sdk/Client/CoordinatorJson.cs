using System.Text.Json;

namespace TxCoordinator.Participants.Client;

/// <summary>The one set of JSON options for the coordinator's API: web defaults (camelCase); enums carry their own string converters.</summary>
public static class CoordinatorJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
