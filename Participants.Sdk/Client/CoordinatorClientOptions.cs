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

    /// <summary>How many times the whole address list is tried before giving up (a leader election takes about a second).</summary>
    [Range(1, 10)]
    public int FailoverRounds { get; set; } = 3;

    /// <summary>Pause between two rounds over the address list.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan FailoverDelay { get; set; } = TimeSpan.FromMilliseconds(300);
}
