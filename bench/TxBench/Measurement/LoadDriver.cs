using System.Collections.Concurrent;
using TxCoordinator.Bench.Cli;

namespace TxCoordinator.Bench.Measurement;

/// <summary>
/// Runs a workload for warm-up plus duration, closed loop (C operations always in flight) or open loop (a new
/// operation every 1/R s whether or not earlier ones finished; latency counted from the scheduled start, so a stall
/// is not hidden). Only operations that finish inside the measured window count; in-flight ones are then awaited.
/// </summary>
public sealed class LoadDriver(BenchOptions options, TimeProvider timeProvider, TextWriter report)
{
    /// <summary>Open loop: arrivals beyond this many in flight are dropped (and counted) rather than piling up.</summary>
    public const int MaxInFlight = 8192;

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FailurePause = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    private readonly ConcurrentQueue<Completion> _measured = new();
    private readonly ConcurrentDictionary<string, int> _errors = new();
    private long _sequence = -1;
    private int _measuring;
    private int _finished;
    private int _inFlight;
    private int _dropped;

    public async Task<PhaseResult> RunAsync(
        IBenchWorkload workload, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workload);
        using var stopIssuing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Operations themselves stop only on Ctrl-C or when draining takes too long.
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var load = options.Rate is { } rate
            ? OpenLoopAsync(workload, rate, stopIssuing.Token, abandon.Token)
            : ClosedLoopAsync(workload, stopIssuing.Token, abandon.Token);
        var progress = ReportProgressAsync(workload.Peer, stopIssuing.Token);

        Dictionary<string, double> cpuBefore, cpuAfter;
        long windowStart, windowEnd;
        try
        {
            await Task.Delay(options.Warmup, timeProvider, cancellationToken);
            cpuBefore = ProcessCpu.Sample(options.Watch);
            windowStart = timeProvider.GetTimestamp();
            Volatile.Write(ref _measuring, 1);
            await Task.Delay(options.Duration, timeProvider, cancellationToken);
            Volatile.Write(ref _measuring, 0);
            windowEnd = timeProvider.GetTimestamp();
            cpuAfter = ProcessCpu.Sample(options.Watch);
        }
        finally
        {
            await stopIssuing.CancelAsync();
            abandon.CancelAfter(DrainTimeout);
            await load;
            await progress;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var window = timeProvider.GetElapsedTime(windowStart, windowEnd);
        foreach (var (message, count) in _errors.OrderByDescending(e => e.Value).Take(5))
        {
            await report.WriteLineAsync($"[bench {workload.Peer}] {count} failure(s): {message}");
        }

        return PhaseResult.From(workload.Peer, options.Label, options.Rate, options.Concurrency, window, options.Warmup,
            [.. _measured], _dropped, ProcessCpu.PercentOfCore(cpuBefore, cpuAfter, window), parameters);
    }

    private async Task ClosedLoopAsync(IBenchWorkload workload, CancellationToken stop, CancellationToken abandon)
    {
        var workers = Enumerable.Range(0, options.Concurrency).Select(async _ =>
        {
            await Task.Yield();
            while (!stop.IsCancellationRequested)
            {
                if (await RunOneAsync(workload, timeProvider.GetTimestamp(), abandon) == OpOutcome.Failed)
                {
                    // A broken server fails fast: do not spin on it.
                    await Task.Delay(FailurePause, timeProvider, CancellationToken.None);
                }
            }
        });
        await Task.WhenAll(workers);
    }

    private async Task OpenLoopAsync(IBenchWorkload workload, double rate, CancellationToken stop, CancellationToken abandon)
    {
        var running = new ConcurrentDictionary<long, Task>();
        var interval = TimeSpan.FromSeconds(1 / rate);
        var started = timeProvider.GetTimestamp();
        long issued = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                // Arrival n is due at started + n * interval; when late, the due arrivals start at once.
                var due = TimeSpan.FromTicks(interval.Ticks * issued) - timeProvider.GetElapsedTime(started);
                if (due > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(due, timeProvider, stop);
                    continue;
                }

                var scheduled = started + (long)(interval.TotalSeconds * issued * timeProvider.TimestampFrequency);
                issued++;
                if (Volatile.Read(ref _inFlight) >= MaxInFlight)
                {
                    Interlocked.Increment(ref _dropped);
                    continue;
                }

                var id = issued;
                running[id] = Task.Run(async () =>
                {
                    await RunOneAsync(workload, scheduled, abandon);
                    running.TryRemove(id, out Task? _);
                }, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The window is over: stop issuing.
        }

        await Task.WhenAll(running.Values);
    }

    private async Task<OpOutcome?> RunOneAsync(IBenchWorkload workload, long startTimestamp, CancellationToken abandon)
    {
        Interlocked.Increment(ref _inFlight);
        OpOutcome outcome;
        try
        {
            outcome = await workload.ExecuteAsync(Interlocked.Increment(ref _sequence), abandon);
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex)
        {
            var message = ex.GetType().Name + ": " + ex.Message;
            _errors.AddOrUpdate(message.Length > 300 ? message[..300] : message, 1, (_, n) => n + 1);
            outcome = OpOutcome.Failed;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }

        Interlocked.Increment(ref _finished);
        if (Volatile.Read(ref _measuring) == 1)
        {
            _measured.Enqueue(new Completion(outcome, timeProvider.GetElapsedTime(startTimestamp).TotalMilliseconds));
        }

        return outcome;
    }

    private async Task ReportProgressAsync(string peer, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ProgressInterval, timeProvider);
        var started = timeProvider.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var failed = _measured.Count(c => c.Outcome == OpOutcome.Failed);
                await report.WriteLineAsync(
                    $"[bench {peer}] {timeProvider.GetElapsedTime(started).TotalSeconds:0}s finished={Volatile.Read(ref _finished)} " +
                    $"in_flight={Volatile.Read(ref _inFlight)} measured={_measured.Count} failed={failed}");
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }
}
