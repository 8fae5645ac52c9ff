using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace TxCoordinator.Cli;

/// <summary>
/// Calls the coordinator's HTTP API on the first replica that answers: one that cannot be reached, or answers 503
/// (no leader, still catching up), is skipped for the next. Followers forward to the leader themselves.
/// </summary>
internal sealed class CoordinatorClient(IReadOnlyList<Uri> urls, HttpClient http)
{
    public const string UrlsVariable = "TXC_COORDINATOR_URLS";

    public IReadOnlyList<Uri> Urls { get; } = urls;

    /// <exception cref="UsageException">No address given, or one that is not an absolute http(s) URL.</exception>
    public static IReadOnlyList<Uri> ResolveUrls(IReadOnlyList<string> fromOptions, string? fromEnvironment)
    {
        var texts = fromOptions.Count > 0
            ? fromOptions
            : (fromEnvironment ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (texts.Count == 0)
        {
            throw new UsageException($"no coordinator address: pass --coordinator URL (repeatable) or set {UrlsVariable}.");
        }

        return [.. texts.Select(t => Uri.TryCreate(t.EndsWith('/') ? t : t + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new UsageException($"'{t}' is not a coordinator URL (http://host:port)."))];
    }

    /// <summary>GET or POST <paramref name="path"/> and the parsed JSON answer, with the replica that gave it.</summary>
    /// <exception cref="CoordinatorUnreachableException">No replica answered.</exception>
    /// <exception cref="RefusedException">A replica answered with an error other than 503.</exception>
    public async Task<(JsonDocument Body, Uri From)> SendAsync(
        HttpMethod method, string path, object? body = null, CancellationToken cancellationToken = default)
    {
        var failures = new List<string>();
        foreach (var url in Urls)
        {
            using var request = new HttpRequestMessage(method, new Uri(url, path));
            if (body is not null)
            {
                request.Content = new StringContent(JsonSerializer.Serialize(body, Json.Options), Encoding.UTF8, "application/json");
            }

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                failures.Add($"{url.GetLeftPart(UriPartial.Authority)}: {Reason(ex)}");
                continue;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Add($"{url.GetLeftPart(UriPartial.Authority)}: no answer within {http.Timeout.TotalSeconds:0} s");
                continue;
            }

            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    failures.Add($"{url.GetLeftPart(UriPartial.Authority)}: 503 {ProblemText(text)}");
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw new RefusedException((int)response.StatusCode, $"{(int)response.StatusCode} {ProblemText(text)}");
                }

                try
                {
                    return (JsonDocument.Parse(text), url);
                }
                catch (JsonException)
                {
                    throw new RefusedException((int)response.StatusCode, $"{url} answered {path} with something that is not JSON.");
                }
            }
        }

        throw new CoordinatorUnreachableException($"no coordinator answered at {string.Join(", ", failures)}");
    }

    /// <summary>"connection refused" rather than .NET's "Connection refused (127.0.0.1:5080)".</summary>
    private static string Reason(HttpRequestException ex)
    {
        var message = ex.InnerException is SocketException socket ? socket.Message : ex.Message;
        return message.Length > 0 ? char.ToLowerInvariant(message[0]) + message[1..] : ex.HttpRequestError.ToString();
    }

    /// <summary>A problem+json answer as "title: detail"; anything else as it is (shortened).</summary>
    private static string ProblemText(string text)
    {
        try
        {
            using var problem = JsonDocument.Parse(text);
            var root = problem.RootElement;
            var title = root.TryGetProperty("title", out var t) ? t.GetString() : null;
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
            return string.Join(": ", new[] { title, detail }.Where(s => !string.IsNullOrEmpty(s)));
        }
        catch (JsonException)
        {
            return text.Length > 200 ? text[..200] : text;
        }
    }
}
