using System.Text.Json;
using System.Text.Json.Serialization;

namespace TxCoordinator.Bench.Measurement;

/// <summary>Figures of one measured phase: what the JSON line on stdout holds.</summary>
public sealed record PhaseResult
{
    public required string Peer { get; init; }
    public string? Label { get; init; }

    /// <summary>"closed" (fixed concurrency) or "open" (fixed arrival rate).</summary>
    public required string Loop { get; init; }
    public int? Concurrency { get; init; }
    public double? Rate { get; init; }
    public required double DurationS { get; init; }
    public required double WarmupS { get; init; }
    public required int Committed { get; init; }
    public required int Aborted { get; init; }
    public required int Failed { get; init; }

    /// <summary>Open loop only: arrivals not started because too many were already in flight.</summary>
    public int Dropped { get; init; }

    /// <summary>Committed per second of the measured window.</summary>
    public required double Tps { get; init; }

    /// <summary>Finished (committed, aborted or failed) per second.</summary>
    public required double FinishedPerS { get; init; }

    /// <summary>Aborted / (committed + aborted).</summary>
    public required double AbortRate { get; init; }

    /// <summary>Latency of the committed operations (open loop: from their scheduled start).</summary>
    public required LatencySummary LatencyMs { get; init; }

    /// <summary>Percent of one core used by each watched process group during the measured window.</summary>
    public IReadOnlyDictionary<string, double> CpuPct { get; init; } = new Dictionary<string, double>();

    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Aggregates the measured window's completions.</summary>
    public static PhaseResult From(
        string peer, string? label, double? rate, int concurrency, TimeSpan window, TimeSpan warmup,
        IReadOnlyCollection<Completion> completions, int dropped, IReadOnlyDictionary<string, double> cpu,
        IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(completions);
        var committed = completions.Count(c => c.Outcome == OpOutcome.Committed);
        var aborted = completions.Count(c => c.Outcome == OpOutcome.Aborted);
        var seconds = window.TotalSeconds;
        return new PhaseResult
        {
            Peer = peer,
            Label = label,
            Loop = rate is null ? "closed" : "open",
            Concurrency = rate is null ? concurrency : null,
            Rate = rate,
            DurationS = Math.Round(seconds, 3),
            WarmupS = warmup.TotalSeconds,
            Committed = committed,
            Aborted = aborted,
            Failed = completions.Count - committed - aborted,
            Dropped = dropped,
            Tps = seconds > 0 ? Math.Round(committed / seconds, 1) : 0,
            FinishedPerS = seconds > 0 ? Math.Round(completions.Count / seconds, 1) : 0,
            AbortRate = committed + aborted > 0 ? Math.Round((double)aborted / (committed + aborted), 4) : 0,
            LatencyMs = Round(Percentiles.Summarize(completions.Where(c => c.Outcome == OpOutcome.Committed).Select(c => c.LatencyMs))),
            CpuPct = cpu,
            Parameters = parameters,
        };
    }

    private static LatencySummary Round(LatencySummary s) =>
        new(s.Count, Math.Round(s.P50, 2), Math.Round(s.P95, 2), Math.Round(s.P99, 2), Math.Round(s.Max, 2), Math.Round(s.Mean, 2));
}

/// <summary>One finished operation inside the measured window.</summary>
public readonly record struct Completion(OpOutcome Outcome, double LatencyMs);
