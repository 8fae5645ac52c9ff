using System.Net;
using System.Text.Json;
using TxCoordinator.Contracts;

namespace TxCoordinator.Participants.Client;

/// <summary>Turns an error answer (problem+json or anything else) into a <see cref="TransactionCoordinatorException"/>.</summary>
internal static class ProblemReader
{
    public static async Task<TransactionCoordinatorException> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        string? title = null;
        string? detail = null;
        TransactionState? state = null;
        string? abortReason = null;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(body) ? "{}" : body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                title = ReadString(document.RootElement, "title");
                detail = ReadString(document.RootElement, "detail");
                if (ReadString(document.RootElement, "state") is { } text && Enum.TryParse<TransactionState>(text, true, out var parsed))
                {
                    state = parsed;
                }

                abortReason = ReadString(document.RootElement, "abortReason");
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, say): keep a bounded piece of it as the detail.
            detail = body.Length > 300 ? body[..300] : body;
        }

        return new TransactionCoordinatorException(response.StatusCode, title ?? response.ReasonPhrase, detail, state, abortReason);
    }

    public static bool IsFailoverStatus(HttpStatusCode status) =>
        status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.MisdirectedRequest;

    private static string? ReadString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
