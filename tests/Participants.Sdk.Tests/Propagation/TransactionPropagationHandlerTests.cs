using System.Net;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Propagation;

namespace TxCoordinator.Participants.Sdk.Tests.Propagation;

public sealed class TransactionPropagationHandlerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class CaptureHandler : HttpMessageHandler
    {
        public HttpRequestMessage? Last { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Last = request;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }

    [Fact]
    public async Task SendAsync_AmbientTransaction_AddsHeader()
    {
        var capture = new CaptureHandler();
        using var client = new HttpClient(new TransactionPropagationHandler { InnerHandler = capture });
        var id = Guid.NewGuid();

        using (DistributedTransactionContext.Begin(id))
        {
            await client.GetAsync(new Uri("http://inventory/reservations"), Ct);
        }

        Assert.Equal(id.ToString(), Assert.Single(capture.Last!.Headers.GetValues(TransactionHeaders.TransactionId)));
    }

    [Fact]
    public async Task SendAsync_NoAmbientTransaction_AddsNoHeader()
    {
        var capture = new CaptureHandler();
        using var client = new HttpClient(new TransactionPropagationHandler { InnerHandler = capture });

        await client.GetAsync(new Uri("http://inventory/reservations"), Ct);

        Assert.False(capture.Last!.Headers.Contains(TransactionHeaders.TransactionId));
    }

    [Fact]
    public async Task SendAsync_HeaderAlreadySet_KeepsCallersValue()
    {
        var capture = new CaptureHandler();
        using var client = new HttpClient(new TransactionPropagationHandler { InnerHandler = capture });
        var explicitId = Guid.NewGuid().ToString();
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://inventory/reservations");
        request.Headers.Add(TransactionHeaders.TransactionId, explicitId);

        using (DistributedTransactionContext.Begin(Guid.NewGuid()))
        {
            await client.SendAsync(request, Ct);
        }

        Assert.Equal(explicitId, Assert.Single(capture.Last!.Headers.GetValues(TransactionHeaders.TransactionId)));
    }
}
