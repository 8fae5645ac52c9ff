using System.ComponentModel.DataAnnotations;

namespace TxCoordinator.Participants.Participation;

/// <summary>Settings of a service that takes part in distributed transactions (section "TransactionParticipant").</summary>
public sealed class ParticipantOptions
{
    public const string SectionName = "TransactionParticipant";

    /// <summary>Stable, unique name of this service; it is part of every global transaction id it prepares.</summary>
    [Required]
    [RegularExpression(Participation.GlobalTransactionId.ParticipantIdPattern,
        ErrorMessage = "ParticipantId must match ^[a-z0-9][a-z0-9_-]{0,62}$ (lower-case letters, digits, '_' and '-').")]
    public string ParticipantId { get; set; } = string.Empty;

    /// <summary>Npgsql connection string of the service's own PostgreSQL database (where its work is done).</summary>
    [Required]
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>Coordinator base addresses, tried in order; the next one is used when one is unreachable or refuses (421/503).</summary>
    [MinLength(1, ErrorMessage = "At least one coordinator URL is required.")]
    public IList<Uri> CoordinatorUrls { get; set; } = [];

    /// <summary>Queue this participant receives Prepare/Commit/Abort on; "txc-participant-" + ParticipantId when empty.</summary>
    public string? EndpointName { get; set; }

    /// <summary>
    /// Prepare the work as soon as it completes and send the vote with the enlistment (the unsolicited vote), instead
    /// of enlisting before the work and waiting for the coordinator's Prepare: the commit then skips this participant's
    /// Prepare round trip (two bus messages, and their latency). <see cref="ParticipantWork.CompleteAsync"/> then
    /// prepares and enlists, and fails when either does; each transaction's work here must be one
    /// <see cref="ITransactionParticipant.EnlistAsync"/> to <see cref="ParticipantWork.CompleteAsync"/> (work enlisted
    /// again after that fails, since the branch is prepared). Off by default.
    /// </summary>
    public bool VoteOnComplete { get; set; }

    /// <summary>Queue the votes and acknowledgements are sent to.</summary>
    [Required]
    public string CoordinatorQueue { get; set; } = "txc-coordinator";

    /// <summary>How often recovery looks for prepared transactions left behind (crash, lost messages, a failover).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Age a prepared transaction must reach before recovery asks the coordinator about it. A coordinator failover
    /// before the decision leaves prepared branches the new leader does not know; it announces their abort, and
    /// recovery resolves those whose participant missed the announcement, sooner the shorter this is. But every
    /// branch older than this is asked about on every pass, one request each, which is why the default stays well
    /// above a loaded transaction's latency.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RecoveryGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time after the transaction's deadline before open local work that saw no Prepare is rolled back.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan OpenWorkTimeoutGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait for another piece of work on the same transaction to finish before giving up.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one HTTP call to one coordinator address (enlistment, recovery look-ups).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan CoordinatorRequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long an acknowledgement of Commit or Abort may wait for others to the same coordinator queue, to go in one
    /// message (<c>ParticipantsCompleted</c>); zero sends each at once. Nothing waits on an acknowledgement but the
    /// coordinator's bookkeeping (the order's answer, the locks' release and the data all come before it), and one lost
    /// here, by a crash inside the window, is asked for again by the coordinator's resend.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan AcknowledgementBatchWindow { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Prepare/Commit/Abort messages handled at once (each holds a database connection while it runs); twice as many
    /// are prefetched from the broker. Keep it below the connection pool size minus the open work you expect.
    /// </summary>
    [Range(1, 1000)]
    public int ConcurrentMessageLimit { get; set; } = 32;

    /// <summary>The receive endpoint name actually used.</summary>
    public string ResolvedEndpointName =>
        string.IsNullOrWhiteSpace(EndpointName) ? "txc-participant-" + ParticipantId : EndpointName;
}
