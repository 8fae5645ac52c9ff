using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using TxCoordinator.Participants.Client;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>
/// On a follower, a call to the transactions API or the admin API is passed to the leader and its answer passed
/// back, so any replica serves any client, and operators read the leader's (the freshest) state. Without a known leader, writes fail with 503 and the reason (no majority), which the SDK's
/// client answers by trying the next replica; reads are then served from this replica's (possibly stale) copy.
/// </summary>
internal sealed class LeaderForwardingMiddleware(
    RequestDelegate next, RaftReplica replica, IHttpClientFactory clients, IProblemDetailsService problems)
{
    public const string HttpClientName = "txc-leader";

    /// <summary>Set on forwarded requests: a request is forwarded at most once, so two confused replicas cannot loop.</summary>
    public const string ForwardedByHeader = "Txc-Forwarded-By";

    private static readonly HashSet<string> SkippedRequestHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Transfer-Encoding", "Content-Length", "Keep-Alive", "Upgrade", "Expect",
    };

    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsForwarded(context.Request.Path)
            || replica.IsDeciding
            || context.Request.Headers.ContainsKey(ForwardedByHeader)
            || replica.Leader is not { HttpUrl: { } leaderUrl } leader
            || leader.Id == replica.Options.ReplicaId)
        {
            await next(context);
            return;
        }

        using var request = new HttpRequestMessage(
            new HttpMethod(context.Request.Method),
            new Uri(leaderUrl, context.Request.Path.Value + context.Request.QueryString.Value));
        if (HasBody(context.Request))
        {
            request.Content = new StreamContent(context.Request.Body);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (SkippedRequestHeaders.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        request.Headers.TryAddWithoutValidation(ForwardedByHeader, replica.Options.ReplicaId);
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(HttpClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (Exception ex) when ((ConnectionFailure.Is(ex) || ex is TaskCanceledException) && !context.RequestAborted.IsCancellationRequested)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Title = "Coordinator leader unreachable",
                    Detail = $"Replica '{replica.Options.ReplicaId}' forwarded the request to the leader '{leader.Id}' at {leaderUrl}, which did not answer: {ex.Message}",
                    Extensions = { ["leader"] = leader.Id },
                },
            });
            return;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }

            context.Response.Headers[ForwardedByHeader] = replica.Options.ReplicaId;
            // The SDK's client goes straight to the leader from now on.
            context.Response.Headers[TransactionCoordinatorClient.LeaderUrlHeader] = leaderUrl.AbsoluteUri;
            if (response.StatusCode != HttpStatusCode.NoContent)
            {
                await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
            }
        }
    }

    /// <summary>
    /// Whether the request carries a body to pass on. HTTP/2 and HTTP/3 frame a body with neither Content-Length nor
    /// Transfer-Encoding (HttpClient's JSON content has no length), so the server is asked; the headers are the rule
    /// only where it cannot tell.
    /// </summary>
    internal static bool HasBody(HttpRequest request) =>
        request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>() is { } detection
            ? detection.CanHaveBody
            : request.ContentLength > 0 || request.Headers.ContainsKey("Transfer-Encoding");

    /// <summary>The paths a follower passes to the leader: the transactions API and the admin API, every method.</summary>
    internal static bool IsForwarded(PathString path) =>
        path.StartsWithSegments("/transactions", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase);
}
