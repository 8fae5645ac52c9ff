using System.ComponentModel.DataAnnotations;

namespace TxCoordinator.Participants.Client;

/// <summary>Settings of the initiator's coordinator client (section "TransactionCoordinator").</summary>
public sealed class CoordinatorClientOptions
{
    public const string SectionName = "TransactionCoordinator";

    /// <summary>Coordinator base addresses, tried in order; the next one is used when one is unreachable or refuses (421/503).</summary>
    [MinLength(1, ErrorMessage = "At least one coordinator URL is required (TransactionCoordinator:Urls:0).")]
    public IList<Uri> Urls { get; set; } = [];

    /// <summary>Timeout of one HTTP call to one address.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many times the whole address list is tried before giving up. With the default delays (200 ms, 400 ms,
    /// then every 500 ms) the rounds span about 5 s, enough for the replicas to elect a new leader after one dies
    /// (1.7 to 3.3 s measured), and a caller waits at most half a second past the election.
    /// </summary>
    [Range(1, 30)]
    public int FailoverRounds { get; set; } = 12;

    /// <summary>Pause before the second round over the address list; it doubles each round, up to 500 ms (or this, if longer).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan FailoverDelay { get; set; } = TimeSpan.FromMilliseconds(200);
}
