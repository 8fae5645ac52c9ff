using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Diagnostics;

namespace TxCoordinator.Participants.Client;

/// <summary>
/// HTTP client of the coordinator API with failover: addresses are tried in order, and an address that is unreachable,
/// times out, or answers 503/421 (not the leader) is skipped; the list is tried <see cref="CoordinatorClientOptions.FailoverRounds"/> times.
/// </summary>
public sealed class TransactionCoordinatorClient : ITransactionCoordinatorClient
{
    private readonly HttpClient _http;
    private readonly CoordinatorClientOptions _options;
    private readonly IReadOnlyList<Uri> _baseUrls;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<TransactionCoordinatorClient> _logger;
    private readonly CoordinatorAddressPreference _preference;

    // Short, so that a caller waits at most this long once a new leader is elected; the rounds, not the pause, bound
    // how long it tries.
    private static readonly TimeSpan MaxFailoverDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>Response header with which a coordinator replica that forwarded a call names the leader's URL.</summary>
    public const string LeaderUrlHeader = "Txc-Leader-Url";

    public TransactionCoordinatorClient(
        HttpClient httpClient,
        IOptions<CoordinatorClientOptions> options,
        TimeProvider timeProvider,
        ILogger<TransactionCoordinatorClient> logger,
        CoordinatorAddressPreference? preference = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _http = httpClient;
        _options = options.Value;
        if (_options.Urls.Count == 0)
        {
            throw new ArgumentException("At least one coordinator URL is required.", nameof(options));
        }

        // A trailing slash keeps a base path ("http://host/txc/") when relative paths are appended.
        _baseUrls = _options.Urls
            .Select(u => u.AbsoluteUri.EndsWith('/') ? u : new Uri(u.AbsoluteUri + "/"))
            .ToList();
        _timeProvider = timeProvider;
        _logger = logger;
        _preference = preference ?? new CoordinatorAddressPreference();
    }

    public async Task<TransactionView> BeginAsync(
        TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        if (timeout is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be positive.");
        }

        var body = new BeginTransactionRequest(timeout?.TotalSeconds, metadata);
        return (await SendAsync<TransactionView>(HttpMethod.Post, "transactions", body, false, cancellationToken))!;
    }

    public async Task<OutcomeView> CommitAsync(Guid transactionId, CancellationToken cancellationToken = default) =>
        (await SendAsync<OutcomeView>(HttpMethod.Post, $"transactions/{Checked(transactionId)}/commit", null, false, cancellationToken))!;

    public async Task<OutcomeView> AbortAsync(Guid transactionId, string? reason = null, CancellationToken cancellationToken = default) =>
        (await SendAsync<OutcomeView>(
            HttpMethod.Post, $"transactions/{Checked(transactionId)}/abort", new AbortRequest(reason), false, cancellationToken))!;

    public Task<TransactionView?> GetAsync(Guid transactionId, CancellationToken cancellationToken = default) =>
        SendAsync<TransactionView>(HttpMethod.Get, $"transactions/{Checked(transactionId)}", null, true, cancellationToken);

    public async Task<TransactionView> EnlistAsync(Guid transactionId, EnlistRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return (await SendAsync<TransactionView>(
            HttpMethod.Post, $"transactions/{Checked(transactionId)}/participants", request, false, cancellationToken))!;
    }

    /// <summary>
    /// Remembers which address to try first: the leader's, when a follower forwarded the call and named it, else
    /// the one that answered. Every address works, but going straight to the leader saves a hop per call.
    /// </summary>
    private void Prefer(int answered, HttpResponseMessage response)
    {
        if ((int)response.StatusCode >= 500)
        {
            return;
        }

        var preferred = answered;
        if (response.Headers.TryGetValues(LeaderUrlHeader, out var values)
            && Uri.TryCreate(values.FirstOrDefault(), UriKind.Absolute, out var leader))
        {
            var found = _baseUrls.ToList().FindIndex(u =>
                Uri.Compare(u, leader, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0);
            preferred = found >= 0 ? found : answered;
        }

        Volatile.Write(ref _preference.Index, preferred);
    }

    private static Guid Checked(Guid transactionId) => transactionId != Guid.Empty
        ? transactionId
        : throw new ArgumentException("The transaction id must not be empty.", nameof(transactionId));

    private async Task<T?> SendAsync<T>(HttpMethod method, string path, object? body, bool notFoundIsNull, CancellationToken cancellationToken)
        where T : class
    {
        Exception? last = null;
        var attempts = 0;
        for (var round = 0; round < _options.FailoverRounds; round++)
        {
            if (round > 0 && _options.FailoverDelay > TimeSpan.Zero)
            {
                var delay = _options.FailoverDelay * Math.Pow(2, Math.Min(round - 1, 10));
                await Task.Delay(delay < MaxFailoverDelay ? delay : TimeSpan.FromTicks(Math.Max(MaxFailoverDelay.Ticks, _options.FailoverDelay.Ticks)), _timeProvider, cancellationToken);
            }

            var first = Math.Clamp(Volatile.Read(ref _preference.Index), 0, _baseUrls.Count - 1);
            for (var i = 0; i < _baseUrls.Count; i++)
            {
                var index = (first + i) % _baseUrls.Count;
                var baseUrl = _baseUrls[index];
                attempts++;
                using var timeout = new CancellationTokenSource(_options.RequestTimeout, _timeProvider);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                // A request made by hand takes HTTP/1.1, not the client's defaults: honour those (HTTP/2 to a
                // coordinator behind TLS, say, set through the HttpClient's configuration).
                using var request = new HttpRequestMessage(method, new Uri(baseUrl, path))
                {
                    Version = _http.DefaultRequestVersion,
                    VersionPolicy = _http.DefaultVersionPolicy,
                };
                if (body is not null)
                {
                    request.Content = JsonContent.Create(body, body.GetType(), options: CoordinatorJson.Options);
                }

                try
                {
                    using var response = await _http.SendAsync(request, linked.Token);
                    Prefer(index, response);
                    if (response.IsSuccessStatusCode)
                    {
                        return await response.Content.ReadFromJsonAsync<T>(CoordinatorJson.Options, linked.Token)
                            ?? throw new InvalidOperationException($"The coordinator answered {method} {path} with an empty body.");
                    }

                    if (notFoundIsNull && response.StatusCode == HttpStatusCode.NotFound)
                    {
                        return null;
                    }

                    var problem = await ProblemReader.ReadAsync(response, linked.Token);
                    if (!ProblemReader.IsFailoverStatus(response.StatusCode))
                    {
                        throw problem;
                    }

                    last = problem;
                    LogMessages.CoordinatorAttemptFailed(_logger, baseUrl, method.Method, path, $"{(int)response.StatusCode} {problem.Detail}");
                }
                catch (Exception ex) when (ConnectionFailure.Is(ex))
                {
                    last = ex;
                    LogMessages.CoordinatorAttemptFailed(_logger, baseUrl, method.Method, path, ex.Message);
                }
                catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    last = ex;
                    LogMessages.CoordinatorAttemptFailed(_logger, baseUrl, method.Method, path, $"no answer within {_options.RequestTimeout}");
                }
            }
        }

        LogMessages.CoordinatorUnavailable(_logger, method.Method, path, attempts);
        throw new CoordinatorUnavailableException(
            $"No coordinator served {method} /{path} after {attempts} attempts over {_baseUrls.Count} address(es): {last?.Message}", last);
    }
}
