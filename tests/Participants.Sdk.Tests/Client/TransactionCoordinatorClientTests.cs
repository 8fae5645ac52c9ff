using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Client;

namespace TxCoordinator.Participants.Sdk.Tests.Client;

public sealed class TransactionCoordinatorClientTests
{
    private const string ViewJson = """
        {"id":"0f8fad5b-d9cb-469f-a165-70867728950e","state":"Active","createdAt":"2026-01-01T00:00:00+00:00",
         "deadline":"2026-01-01T00:00:10+00:00","decidedAt":null,"completedAt":null,"outcome":null,"abortReason":null,
         "metadata":{"orderId":"42"},"participants":[]}
        """;

    private static readonly Guid TxId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static TransactionCoordinatorClient Create(ScriptedHandler handler, params string[] urls) =>
        Create(handler, new FakeTimeProvider(), urls);

    private static TransactionCoordinatorClient Create(ScriptedHandler handler, FakeTimeProvider time, params string[] urls) => new(
        new HttpClient(handler),
        Options.Create(new CoordinatorClientOptions
        {
            Urls = urls.Select(u => new Uri(u)).ToList(),
            FailoverRounds = 2,
            FailoverDelay = TimeSpan.Zero,
            RequestTimeout = TimeSpan.FromSeconds(30),
        }),
        time,
        NullLogger<TransactionCoordinatorClient>.Instance);

    [Fact]
    public async Task BeginAsync_FirstAddressAnswers503_FailsOverToNext()
    {
        var handler = new ScriptedHandler()
            .On("a", _ => ScriptedHandler.Json(HttpStatusCode.ServiceUnavailable, """{"title":"Not ready"}""", "application/problem+json"))
            .On("b", _ => ScriptedHandler.Json(HttpStatusCode.Created, ViewJson));
        var client = Create(handler, "http://a/", "http://b/");

        var view = await client.BeginAsync(TimeSpan.FromSeconds(10), new Dictionary<string, string> { ["orderId"] = "42" }, Ct);

        Assert.Equal(TxId, view.Id);
        Assert.Equal(TransactionState.Active, view.State);
        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal("http://b/transactions", handler.Requests[1].Request.RequestUri!.ToString());
        Assert.Contains("\"timeoutSeconds\":10", handler.Requests[1].Body, StringComparison.Ordinal);
        Assert.Contains("\"orderId\":\"42\"", handler.Requests[1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_TakeTheHttpClientsVersionAndPolicy()
    {
        var handler = new ScriptedHandler().On("a", _ => ScriptedHandler.Json(HttpStatusCode.OK, ViewJson));
        var client = new TransactionCoordinatorClient(
            new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact },
            Options.Create(new CoordinatorClientOptions { Urls = [new Uri("http://a/")] }),
            new FakeTimeProvider(),
            NullLogger<TransactionCoordinatorClient>.Instance);

        await client.GetAsync(TxId, Ct);

        var request = Assert.Single(handler.Requests).Request;
        Assert.Equal(HttpVersion.Version20, request.Version);
        Assert.Equal(HttpVersionPolicy.RequestVersionExact, request.VersionPolicy);
    }

    [Fact]
    public async Task GetAsync_FirstAddressRefusesConnectionSecondMisdirected_UsesThird()
    {
        var handler = new ScriptedHandler()
            .On("a", ScriptedHandler.Refused)
            .On("b", _ => new HttpResponseMessage(HttpStatusCode.MisdirectedRequest))
            .On("c", _ => ScriptedHandler.Json(HttpStatusCode.OK, ViewJson));
        var client = Create(handler, "http://a/", "http://b/", "http://c/");

        var view = await client.GetAsync(TxId, Ct);

        Assert.NotNull(view);
        Assert.Equal("42", view.Metadata["orderId"]);
    }

    [Fact]
    public async Task CommitAsync_NoAddressAnswers_ThrowsUnavailableAfterBoundedAttempts()
    {
        var handler = new ScriptedHandler().On("a", ScriptedHandler.Refused).On("b", ScriptedHandler.Refused);
        var client = Create(handler, "http://a/", "http://b/");

        await Assert.ThrowsAsync<CoordinatorUnavailableException>(() => client.CommitAsync(TxId, Ct));

        Assert.Equal(4, handler.Requests.Count); // 2 rounds x 2 addresses
    }

    [Fact]
    public async Task CommitAsync_Conflict_ThrowsWithStatusTitleDetailStateAndAbortReason()
    {
        var handler = new ScriptedHandler().On("a", _ => ScriptedHandler.Json(HttpStatusCode.Conflict,
            """{"title":"Transaction already aborted","detail":"deadline passed","status":409,"state":"Aborted","abortReason":"timed out"}""",
            "application/problem+json"));
        var client = Create(handler, "http://a/", "http://b/");

        var error = await Assert.ThrowsAsync<TransactionCoordinatorException>(() => client.CommitAsync(TxId, Ct));

        Assert.Equal(HttpStatusCode.Conflict, error.StatusCode);
        Assert.Equal("Transaction already aborted", error.Title);
        Assert.Equal("deadline passed", error.Detail);
        Assert.Equal(TransactionState.Aborted, error.CurrentState);
        Assert.Equal("timed out", error.AbortReason);
        Assert.Single(handler.Requests); // a business answer is not retried elsewhere
    }

    [Fact]
    public async Task GetAsync_NotFound_ReturnsNull()
    {
        var handler = new ScriptedHandler().On("a", _ => new HttpResponseMessage(HttpStatusCode.NotFound));
        var client = Create(handler, "http://a/");

        Assert.Null(await client.GetAsync(TxId, Ct));
    }

    [Fact]
    public async Task EnlistAsync_NotFound_Throws()
    {
        var handler = new ScriptedHandler().On("a", _ => ScriptedHandler.Json(HttpStatusCode.NotFound, """{"title":"Not found"}"""));
        var client = Create(handler, "http://a/");

        var error = await Assert.ThrowsAsync<TransactionCoordinatorException>(
            () => client.EnlistAsync(TxId, new EnlistRequest("inventory", "txc-participant-inventory"), Ct));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains("\"participantId\":\"inventory\"", handler.Requests[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AbortAsync_Success_ReadsOutcome()
    {
        var handler = new ScriptedHandler().On("a", _ => ScriptedHandler.Json(HttpStatusCode.OK,
            """{"id":"0f8fad5b-d9cb-469f-a165-70867728950e","outcome":"Aborted","reason":"out of stock","state":"Aborting"}"""));
        var client = Create(handler, "http://a/base");

        var outcome = await client.AbortAsync(TxId, "out of stock", Ct);

        Assert.Equal(TransactionOutcome.Aborted, outcome.Outcome);
        Assert.Equal(TransactionState.Aborting, outcome.State);
        Assert.Equal($"http://a/base/transactions/{TxId}/abort", handler.Requests[0].Request.RequestUri!.ToString());
        Assert.Contains("\"reason\":\"out of stock\"", handler.Requests[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BeginAsync_NonPositiveTimeout_Throws()
    {
        var client = Create(new ScriptedHandler(), "http://a/");

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.BeginAsync(TimeSpan.Zero, null, Ct));
    }

    [Fact]
    public async Task GetAsync_FirstAddressNeverAnswers_FailsOverAfterRequestTimeout()
    {
        var time = new FakeTimeProvider();
        var handler = new ScriptedHandler().Hanging("a").On("b", _ => ScriptedHandler.Json(HttpStatusCode.OK, ViewJson));
        var client = Create(handler, time, "http://a/", "http://b/");

        var pending = client.GetAsync(TxId, Ct);
        Assert.False(pending.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(31));
        var view = await pending.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.NotNull(view);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task CommitAsync_NoLeaderForThreeSeconds_ServedWithinHalfASecondOfTheElection()
    {
        // The default cadence: 200 ms, 400 ms, then every 500 ms. Doubling up to 2 s (as before) left a caller
        // waiting up to 2 s after a new leader was elected, in every call that a failover caught.
        var time = new FakeTimeProvider();
        var elected = false;
        var handler = new ScriptedHandler()
            .On("a", _ => elected
                ? ScriptedHandler.Json(HttpStatusCode.OK, $$"""{"id":"{{TxId}}","outcome":"Committed","state":"Committing"}""")
                : ScriptedHandler.Json(HttpStatusCode.ServiceUnavailable, """{"title":"No leader"}""", "application/problem+json"));
        var client = new TransactionCoordinatorClient(new HttpClient(handler),
            Options.Create(new CoordinatorClientOptions { Urls = [new Uri("http://a/")] }), time, NullLogger<TransactionCoordinatorClient>.Instance);

        var commit = client.CommitAsync(TxId, Ct);
        var step = TimeSpan.FromMilliseconds(50);
        while (time.GetUtcNow() - time.Start < TimeSpan.FromSeconds(3.05))
        {
            await Task.Delay(1, Ct);
            time.Advance(step);
        }

        elected = true;
        var electedAt = time.GetUtcNow();
        while (!commit.IsCompleted && time.GetUtcNow() - electedAt < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(1, Ct);
            time.Advance(step);
        }

        Assert.Equal(TransactionOutcome.Committed, (await commit.WaitAsync(TimeSpan.FromSeconds(10), Ct)).Outcome);
        Assert.InRange(time.GetUtcNow() - electedAt, TimeSpan.Zero, TimeSpan.FromMilliseconds(550));
    }
}
