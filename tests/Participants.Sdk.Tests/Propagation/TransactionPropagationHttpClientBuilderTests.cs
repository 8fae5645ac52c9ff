using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Propagation;

namespace TxCoordinator.Participants.Sdk.Tests.Propagation;

public sealed class TransactionPropagationHttpClientBuilderTests
{
    private sealed class Capture : HttpMessageHandler
    {
        public string? Header { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Header = request.Headers.TryGetValues(TransactionHeaders.TransactionId, out var values) ? values.Single() : null;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }

    [Fact]
    public async Task AddTransactionPropagation_NamedClient_SendsAmbientTransactionHeader()
    {
        var capture = new Capture();
        var services = new ServiceCollection();
        services.AddHttpClient("inventory").ConfigurePrimaryHttpMessageHandler(() => capture).AddTransactionPropagation();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("inventory");
        var id = Guid.NewGuid();

        using (DistributedTransactionContext.Begin(id))
        {
            await client.GetAsync(new Uri("http://inventory/reservations"), TestContext.Current.CancellationToken);
        }

        Assert.Equal(id.ToString(), capture.Header);
    }
}
