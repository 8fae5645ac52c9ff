using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using TxCoordinator.Coordinator.Cluster;

namespace TxCoordinator.Coordinator.Tests.Cluster;

/// <summary>
/// A follower passes a call's body to the leader only when <see cref="LeaderForwardingMiddleware.HasBody"/> says there
/// is one. Asked of a real Kestrel server, because HTTP/2 frames a JSON body with neither Content-Length nor
/// Transfer-Encoding: judged by those headers alone, an enlistment sent over HTTP/2 to a follower reached the leader
/// without its body and was refused with 400.
/// </summary>
public sealed class LeaderForwardingBodyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<HttpProtocols> Protocols => [HttpProtocols.Http1, HttpProtocols.Http2];

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task HasBody_JsonPost_IsTrue(HttpProtocols protocols)
    {
        Assert.True(await ProbeAsync(protocols, HttpMethod.Post, JsonContent.Create(new { participantId = "inventory" })));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task HasBody_PostWithoutContent_IsFalse(HttpProtocols protocols)
    {
        Assert.False(await ProbeAsync(protocols, HttpMethod.Post, content: null));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task HasBody_Get_IsFalse(HttpProtocols protocols)
    {
        Assert.False(await ProbeAsync(protocols, HttpMethod.Get, content: null));
    }

    [Fact]
    public void HasBody_WithoutTheServersWord_FollowsTheHeaders()
    {
        var withLength = new DefaultHttpContext();
        withLength.Request.ContentLength = 12;
        var chunked = new DefaultHttpContext();
        chunked.Request.Headers.TransferEncoding = "chunked";

        Assert.True(LeaderForwardingMiddleware.HasBody(withLength.Request));
        Assert.True(LeaderForwardingMiddleware.HasBody(chunked.Request));
        Assert.False(LeaderForwardingMiddleware.HasBody(new DefaultHttpContext().Request));
    }

    private static async Task<bool> ProbeAsync(HttpProtocols protocols, HttpMethod method, HttpContent? content)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = protocols));
        await using var app = builder.Build();
        app.MapMethods("/probe", ["GET", "POST"], (HttpContext context) => LeaderForwardingMiddleware.HasBody(context.Request));
        await app.StartAsync(Ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(method, new Uri(new Uri(address), "probe"))
        {
            Content = content,
            // Cleartext HTTP/2 (prior knowledge), as a client of an HTTP/2-only endpoint speaks it.
            Version = protocols == HttpProtocols.Http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await http.SendAsync(request, Ct);
        response.EnsureSuccessStatusCode();
        Assert.Equal(request.Version, response.Version);
        var hasBody = await response.Content.ReadFromJsonAsync<bool>(Ct);
        await app.StopAsync(Ct);
        return hasBody;
    }
}
