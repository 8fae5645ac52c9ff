using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TxCoordinator.Contracts;
using TxCoordinator.Coordinator.Cluster;
using TxCoordinator.Coordinator.StateMachine;
using TxCoordinator.Coordinator.Tests.Infrastructure;
using static TxCoordinator.Coordinator.Tests.Infrastructure.CoordinatorDatabase;

namespace TxCoordinator.Coordinator.Tests.Cluster;

/// <summary>
/// A replica's history after the leader's snapshot: a peer pages its finished transactions (<c>GET /cluster/history</c>),
/// and the replica behind writes those it lacks, turning to the next peer when one fails.
/// </summary>
public sealed class HistoryFetcherTests() : DatabaseTests("txc_history_source")
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly CoordinatorDatabase _behind = new("txc_history_behind");

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await _behind.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await _behind.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Page_HoldsTheFinishedTransactionsBegunInTheWindow_OldestFirst_AndSaysWhereTheNextBegins()
    {
        var (before, first, unfinished, second, third, atUntil) = (
            At(-1, TransactionState.Committed), At(1, TransactionState.Committed), At(2, TransactionState.Committing),
            At(3, TransactionState.Aborted), At(4, TransactionState.Committed), At(10, TransactionState.Committed));
        await new TransactionImageWriter(Database.DataSource).WriteAsync([before, first, unfinished, second, third, atUntil], Ct);
        var until = Start.AddSeconds(10);

        await using var db = Database.NewContext();
        var page = await FinishedHistory.ReadAsync(db, Start, Guid.Empty, until, limit: 2, Ct);
        Assert.Equal([first.Id, second.Id], page.Transactions.Select(t => t.Id));
        Assert.Equal((second.CreatedAt, second.Id), (page.NextAfter, page.NextAfterId));
        Assert.Equal([(TransactionState.Committed, 1L), (TransactionState.Aborted, 1L)], page.Transactions.Select(t => (t.State, t.Revision)));

        var last = await FinishedHistory.ReadAsync(db, page.NextAfter!.Value, page.NextAfterId!.Value, until, limit: 2, Ct);
        Assert.Equal([third.Id], last.Transactions.Select(t => t.Id));
        Assert.Null(last.NextAfter);
    }

    [Fact]
    public async Task Fill_WritesWhatThePeerHolds_PageByPage_TurningToTheNextPeerWhenOneFails()
    {
        var finished = Enumerable.Range(1, 5).Select(i => At(i, i % 2 == 0 ? TransactionState.Aborted : TransactionState.Committed)).ToList();
        await new TransactionImageWriter(Database.DataSource).WriteAsync([.. finished, At(6, TransactionState.Preparing)], Ct);
        var (down, up) = (new Uri("http://r2.test/"), new Uri("http://r3.test/"));
        var handler = new PeerHandler(Database, down, pageSize: 2);
        var fetcher = new HistoryFetcher(
            new TransactionImageWriter(_behind.DataSource), new SingleClientFactory(handler), TimeProvider.System, NullLogger<HistoryFetcher>.Instance);

        var written = await fetcher.FillAsync(Start, Start.AddMinutes(1), () => [down, up], TimeSpan.Zero, Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(5, written);
        foreach (var image in finished)
        {
            Assert.Equal((image.State, 1L), Summary(await _behind.FindAsync(image.Id)));
        }

        Assert.Equal(3, handler.Served); // 2 + 2 + 1
        Assert.Equal(3, handler.Refused); // each page asked of the first peer, then of the next
        // Fetched again, nothing is written twice.
        Assert.Equal(0, await fetcher.FillAsync(Start, Start.AddMinutes(1), () => [up], TimeSpan.Zero, Ct));
    }

    [Fact]
    public async Task Fill_PausesBetweenPages()
    {
        await new TransactionImageWriter(Database.DataSource).WriteAsync(
            [.. Enumerable.Range(1, 5).Select(i => At(i, TransactionState.Committed))], Ct);
        var time = new FakeTimeProvider(Start);
        var handler = new PeerHandler(Database, down: new Uri("http://down.test/"), pageSize: 2, time);
        var fetcher = new HistoryFetcher(
            new TransactionImageWriter(_behind.DataSource), new SingleClientFactory(handler), time, NullLogger<HistoryFetcher>.Instance);

        var filling = fetcher.FillAsync(Start, Start.AddMinutes(1), () => [new Uri("http://r2.test/")], TimeSpan.FromSeconds(1), Ct);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!filling.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, Ct);
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(5, await filling.WaitAsync(TimeSpan.FromSeconds(1), Ct));
        // Three pages (2 + 2 + 1), each asked for at least the pause after the one before; unpaced, all at Start.
        Assert.Equal(3, handler.ServedAt.Count);
        Assert.All(handler.ServedAt.Zip(handler.ServedAt.Skip(1)), pair => Assert.True(
            pair.Second - pair.First >= TimeSpan.FromSeconds(1), $"pages asked for at {pair.First:O} and {pair.Second:O}"));
    }

    [Fact]
    public void Peers_AreTheOtherReplicas_TheLeaderFirst()
    {
        var options = new ClusterOptions
        {
            ReplicaId = "r1",
            Members =
            [
                new ClusterMember { Id = "r1", HttpUrl = new Uri("http://r1.test/") },
                new ClusterMember { Id = "r2", HttpUrl = new Uri("http://r2.test/") },
                new ClusterMember { Id = "r3", HttpUrl = new Uri("http://r3.test/") },
            ],
        };

        Assert.Equal([new Uri("http://r3.test/"), new Uri("http://r2.test/")], HistoryFetcher.Peers(options, options.Members[2]));
        Assert.Equal([new Uri("http://r2.test/"), new Uri("http://r3.test/")], HistoryFetcher.Peers(options, options.Members[0]));
    }

    private static TransactionImage At(int seconds, TransactionState state)
    {
        var image = Image(Guid.NewGuid(), 1, state, state == TransactionState.Aborted ? Vote.No : Vote.Yes);
        return image with { CreatedAt = Start.AddSeconds(seconds), CompletedAt = TransactionStateMachine.IsFinal(state) ? Start.AddSeconds(seconds + 1) : null };
    }

    private static (TransactionState, long)? Summary((TransactionState State, long Revision, List<Vote?> Votes)? row) =>
        row is { } r ? (r.State, r.Revision) : null;

    /// <summary>The peers' <c>GET /cluster/history</c>: one is down (503), the other answers from the database.</summary>
    private sealed class PeerHandler(CoordinatorDatabase source, Uri down, int pageSize, TimeProvider? time = null) : HttpMessageHandler
    {
        public int Refused { get; private set; }

        public int Served => ServedAt.Count;

        /// <summary>When each page was asked for, by the fetcher's clock.</summary>
        public List<DateTimeOffset> ServedAt { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.Host == down.Host)
            {
                Refused++;
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            }

            var query = System.Web.HttpUtility.ParseQueryString(request.RequestUri.Query);
            Assert.Equal("/cluster/history", request.RequestUri.AbsolutePath);
            await using var db = source.NewContext();
            var page = await FinishedHistory.ReadAsync(
                db, DateTimeOffset.Parse(query["after"]!, System.Globalization.CultureInfo.InvariantCulture), Guid.Parse(query["afterId"]!),
                DateTimeOffset.Parse(query["until"]!, System.Globalization.CultureInfo.InvariantCulture), pageSize, cancellationToken);
            ServedAt.Add((time ?? TimeProvider.System).GetUtcNow());
            return new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(JsonSerializer.Serialize(page, TransactionImage.Json), System.Text.Encoding.UTF8, "application/json"),
            };
        }
    }

    private sealed class SingleClientFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }
}
