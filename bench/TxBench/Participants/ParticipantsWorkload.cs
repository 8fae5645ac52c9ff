using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
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
        string?[] refusals;
        using (DistributedTransactionContext.Begin(transaction.Id))
        {
            var http = _http.CreateClient(HttpClientName);
            refusals = await Task.WhenAll(_participants.Select(async url =>
            {
                using var content = new ByteArrayContent(_payload);
                using var response = await http.PostAsync(url, content, cancellationToken);
                return response.IsSuccessStatusCode ? null : await DescribeAsync(response, cancellationToken);
            }));
        }

        if (refusals.FirstOrDefault(r => r is not null) is { } refusal)
        {
            await _coordinator.AbortAsync(transaction.Id, "a participant failed", cancellationToken);
            // Counted as failed, and the phase's report lists the refusals by kind.
            throw new ParticipantRefusedException(refusal);
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

    /// <summary>The status and the problem's title: the detail names the transaction, which would make every refusal unique.</summary>
    private static async Task<string> DescribeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var title = "";
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            if (problem.RootElement.ValueKind == JsonValueKind.Object
                && problem.RootElement.TryGetProperty("title", out var value) && value.ValueKind == JsonValueKind.String)
            {
                title = value.GetString()!;
            }
        }
        catch (JsonException)
        {
            // Not a problem document: the status says enough.
        }

        return $"a participant answered {(int)response.StatusCode} {title}".TrimEnd();
    }
}

/// <summary>A bench participant refused its part of the transaction; the transaction was aborted.</summary>
public sealed class ParticipantRefusedException(string message) : Exception(message);
