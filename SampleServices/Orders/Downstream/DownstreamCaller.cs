using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace TxCoordinator.Samples.Orders.Downstream;

/// <summary>POSTs to a participant service and sorts the answer into accepted, refused (business) or unavailable.</summary>
internal static class DownstreamCaller
{
    /// <summary>Statuses that mean "no" for a business reason rather than a broken service.</summary>
    private static readonly HashSet<HttpStatusCode> BusinessRefusals =
        [HttpStatusCode.Conflict, HttpStatusCode.PaymentRequired, HttpStatusCode.NotFound];

    public static async Task<StepResult> PostAsync(
        HttpClient http, string service, string path, object body, CancellationToken cancellationToken = default)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(path, body, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new DownstreamUnavailableException(service, ex.Message, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DownstreamUnavailableException(service, "no answer within the timeout", ex);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return StepResult.Ok;
            }

            var (title, detail) = await ReadProblemAsync(response, cancellationToken);
            if (BusinessRefusals.Contains(response.StatusCode))
            {
                // The reason becomes the abort's, which must not be blank.
                var reason = new[] { title, detail }.FirstOrDefault(text => !string.IsNullOrWhiteSpace(text));
                return StepResult.Refused(reason ?? $"{service} refused ({(int)response.StatusCode})");
            }

            throw new DownstreamUnavailableException(service, $"answered {(int)response.StatusCode}: {title} {detail}".TrimEnd());
        }
    }

    private static async Task<(string? Title, string? Detail)> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(body) ? "{}" : body);
            var root = document.RootElement;
            return root.ValueKind != JsonValueKind.Object
                ? (null, null)
                : (Text(root, "title"), Text(root, "detail"));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
