using System.Net;
using System.Text;

namespace TxCoordinator.Participants.Sdk.Tests.Client;

/// <summary>Answers requests by host with scripted responses, and records them.</summary>
internal sealed class ScriptedHandler : HttpMessageHandler
{
    private readonly Dictionary<string, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>> _hosts = [];

    public List<(HttpRequestMessage Request, string? Body)> Requests { get; } = [];

    public ScriptedHandler On(string host, Func<HttpRequestMessage, HttpResponseMessage> answer)
    {
        _hosts[host] = (request, _) => Task.FromResult(answer(request));
        return this;
    }

    /// <summary>An address that accepts the request and never answers (until cancelled).</summary>
    public ScriptedHandler Hanging(string host)
    {
        _hosts[host] = async (_, cancellationToken) =>
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        };
        return this;
    }

    public static HttpResponseMessage Json(HttpStatusCode status, string json, string mediaType = "application/json") =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, mediaType) };

    public static Func<HttpRequestMessage, HttpResponseMessage> Refused =>
        _ => throw new HttpRequestException("Connection refused", null, HttpStatusCode.ServiceUnavailable);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        Requests.Add((request, body));
        return _hosts.TryGetValue(request.RequestUri!.Host, out var answer)
            ? await answer(request, cancellationToken)
            : throw new HttpRequestException($"No route to {request.RequestUri.Host}");
    }
}
