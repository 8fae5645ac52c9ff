using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TxCoordinator.Samples.LoadRunner.History;

namespace TxCoordinator.Samples.LoadRunner;

/// <summary>
/// Sends orders to the Orders service with at most <c>concurrency</c> in flight, recording each one in the history
/// (invoked, then what the client was told) and reporting progress every second.
/// </summary>
public sealed class Workload(HttpClient http, Uri ordersUrl, int concurrency, HistoryLog history, TimeProvider timeProvider, TextWriter report)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);
    private const int MaxReasonLength = 300;

    private int _done;
    private int _committed;
    private int _aborted;
    private int _failed;

    /// <param name="plans">The orders to place, in order; <paramref name="stop"/> ends an endless sequence.</param>
    /// <param name="total">How many orders there are, for the progress line; null when bounded by time.</param>
    /// <param name="stop">Place no new order from now on; those in flight still get their answer.</param>
    /// <param name="cancellationToken">Abandon everything at once.</param>
    public async Task<WorkloadResult> RunAsync(
        IEnumerable<OrderPlan> plans, int? total, CancellationToken stop, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plans);
        var results = new System.Collections.Concurrent.ConcurrentQueue<OrderResult>();
        var endpoint = new Uri(ordersUrl, "orders");
        using var progressStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = timeProvider.GetTimestamp();
        var progress = ReportProgressAsync(total, started, progressStop.Token);

        var options = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(plans.TakeWhile(_ => !stop.IsCancellationRequested), options, async (plan, token) =>
        {
            var invoked = Wall();
            await history.AddAsync(new InvokeRecord(plan.OrderId, plan.Kind, plan.CustomerId, plan.Sku, plan.Quantity, plan.Amount,
                Mono(started), invoked), token);
            var result = await PlaceAsync(endpoint, plan, token);
            await history.AddAsync(new CompleteRecord(plan.OrderId, result.Outcome, result.TransactionId, result.Reason,
                Mono(started), Wall(), invoked), token);
            results.Enqueue(result);
            switch (result.Outcome)
            {
                case ClientOutcome.Committed:
                    Interlocked.Increment(ref _committed);
                    break;
                case ClientOutcome.Aborted:
                    Interlocked.Increment(ref _aborted);
                    break;
                default:
                    Interlocked.Increment(ref _failed);
                    break;
            }

            Interlocked.Increment(ref _done);
        });

        var wallTime = timeProvider.GetElapsedTime(started);
        await progressStop.CancelAsync();
        await progress;
        await WriteProgressAsync(total, wallTime);
        var answers = results.ToArray();
        await ReportFailuresAsync(answers);
        return new WorkloadResult(answers, wallTime);
    }

    private long Mono(long started) => (long)timeProvider.GetElapsedTime(started).TotalMilliseconds;

    private long Wall() => timeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    private async Task<OrderResult> PlaceAsync(Uri endpoint, OrderPlan plan, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var body = OrderRequestBody.Of(plan);
        try
        {
            using var response = await http.PostAsJsonAsync(endpoint, body, cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                return Failed(plan, started, $"HTTP {(int)response.StatusCode}: {Describe(text)}");
            }

            var answer = await response.Content.ReadFromJsonAsync<OrderResponse>(cancellationToken);
            var latency = timeProvider.GetElapsedTime(started);
            return answer?.Outcome switch
            {
                "Committed" => new OrderResult(plan, ClientOutcome.Committed, answer.TransactionId, answer.Reason, latency),
                "Aborted" => new OrderResult(plan, ClientOutcome.Aborted, answer.TransactionId, answer.Reason, latency),
                _ => Failed(plan, started, $"unexpected answer (outcome '{answer?.Outcome}')"),
            };
        }
        catch (HttpRequestException ex)
        {
            return Failed(plan, started, ex.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(plan, started, $"no answer within {http.Timeout.TotalSeconds:0} s");
        }
        catch (JsonException ex)
        {
            return Failed(plan, started, "unreadable answer: " + ex.Message);
        }
        catch (IOException ex)
        {
            // The connection broke while the answer was being read (HttpIOException): the client cannot tell.
            return Failed(plan, started, "answer cut off: " + ex.Message);
        }
    }

    private OrderResult Failed(OrderPlan plan, long started, string reason) =>
        new(plan, ClientOutcome.Failed, null, reason, timeProvider.GetElapsedTime(started));

    private async Task ReportProgressAsync(int? total, long started, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ProgressInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await WriteProgressAsync(total, timeProvider.GetElapsedTime(started));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private Task WriteProgressAsync(int? total, TimeSpan elapsed) =>
        report.WriteLineAsync(
            $"[loadrunner] {Volatile.Read(ref _done)}{(total is { } t ? $"/{t}" : "")} committed={Volatile.Read(ref _committed)} " +
            $"aborted={Volatile.Read(ref _aborted)} errors={Volatile.Read(ref _failed)} ({elapsed.TotalSeconds:0.0} s)");

    private async Task ReportFailuresAsync(OrderResult[] results)
    {
        var groups = results.Where(r => r.Outcome == ClientOutcome.Failed)
            .GroupBy(r => r.Reason ?? "")
            .OrderByDescending(g => g.Count())
            .Take(5);
        foreach (var group in groups)
        {
            await report.WriteLineAsync($"[loadrunner] {group.Count()} order(s) failed: {group.Key}");
        }
    }

    // Problem details carry a trace id per request: keep only what explains the failure, so equal failures group.
    private static string Describe(string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            if (problem.RootElement.ValueKind == JsonValueKind.Object &&
                (problem.RootElement.TryGetProperty("detail", out var text) || problem.RootElement.TryGetProperty("title", out text)) &&
                text.ValueKind == JsonValueKind.String)
            {
                return Shorten(text.GetString()!);
            }
        }
        catch (JsonException)
        {
            // Not JSON: show the body itself.
        }

        return Shorten(body);
    }

    private static string Shorten(string text) =>
        text.Length <= MaxReasonLength ? text : text[..MaxReasonLength] + "…";
}
