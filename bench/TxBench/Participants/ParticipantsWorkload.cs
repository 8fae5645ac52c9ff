using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TxCoordinator.Bench.Measurement;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Propagation;

namespace TxCoordinator.Bench.Participants;

/// <summary>
/// TxCoordinator with N participants per transaction: begin with the SDK's initiator client, POST the payload to
/// every participant at once (each stores it in its own database inside the transaction), then commit.
/// </summary>
public sealed class ParticipantsWorkload : IBenchWorkload
{
    public const string HttpClientName = "bench-participants";
    private static readonly TimeSpan TransactionTimeout = TimeSpan.FromSeconds(10);

    private readonly ServiceProvider _services;
    private readonly ITransactionCoordinatorClient _coordinator;
    private readonly IHttpClientFactory _http;
    private readonly IReadOnlyList<Uri> _participants;
    private readonly byte[] _payload;

    public ParticipantsWorkload(IReadOnlyList<Uri> coordinatorUrls, IReadOnlyList<Uri> participantUrls, int payloadBytes, int concurrency)
    {
        ArgumentNullException.ThrowIfNull(participantUrls);
        var services = new ServiceCollection();
        services.AddLogging();
        // The SDK binds its options from configuration too; here everything comes from the command line.
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddTransactionCoordinatorClient(o => o.Urls = [.. coordinatorUrls])
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { MaxConnectionsPerServer = concurrency + 8 });
        services.AddHttpClient(HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { MaxConnectionsPerServer = concurrency + 8 })
            .AddTransactionPropagation();
        _services = services.BuildServiceProvider();
        _coordinator = _services.GetRequiredService<ITransactionCoordinatorClient>();
        _http = _services.GetRequiredService<IHttpClientFactory>();
        _participants = [.. participantUrls.Select(u => new Uri(u, "work"))];
        // Incompressible, so that its size is what travels and is stored.
        _payload = RandomNumberGenerator.GetBytes(payloadBytes);
    }

    public string Peer => $"txc-participants-{_participants.Count}";

    public async Task<OpOutcome> ExecuteAsync(long sequence, CancellationToken cancellationToken = default)
    {
        var transaction = await _coordinator.BeginAsync(TransactionTimeout, null, cancellationToken);
        bool[] accepted;
        using (DistributedTransactionContext.Begin(transaction.Id))
        {
            var http = _http.CreateClient(HttpClientName);
            accepted = await Task.WhenAll(_participants.Select(async url =>
            {
                using var content = new ByteArrayContent(_payload);
                using var response = await http.PostAsync(url, content, cancellationToken);
                return response.IsSuccessStatusCode;
            }));
        }

        if (!accepted.All(a => a))
        {
            await _coordinator.AbortAsync(transaction.Id, "a participant failed", cancellationToken);
            return OpOutcome.Failed;
        }

        try
        {
            var outcome = await _coordinator.CommitAsync(transaction.Id, cancellationToken);
            return outcome.Outcome == TransactionOutcome.Committed ? OpOutcome.Committed : OpOutcome.Aborted;
        }
        catch (TransactionCoordinatorException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            return OpOutcome.Aborted;
        }
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
