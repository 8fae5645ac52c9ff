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
    /// How many times the whole address list is tried before giving up. With the default delays the rounds span
    /// about 6 s, enough for the replicas to elect a new leader after one dies (1 to 3 s).
    /// </summary>
    [Range(1, 20)]
    public int FailoverRounds { get; set; } = 6;

    /// <summary>Pause before the second round over the address list; it doubles each round, up to 2 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan FailoverDelay { get; set; } = TimeSpan.FromMilliseconds(200);
}
