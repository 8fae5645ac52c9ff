using System.ComponentModel.DataAnnotations;

namespace TxCoordinator.Coordinator;

/// <summary>Settings of the coordinator, bound from the "Coordinator" configuration section.</summary>
public sealed class CoordinatorOptions
{
    public const string SectionName = "Coordinator";

    /// <summary>Queue on which participants' votes and acknowledgements arrive.</summary>
    [Required, RegularExpression(QueueNames.Pattern)]
    public string QueueName { get; set; } = "txc-coordinator";

    /// <summary>Timeout of a transaction whose initiator names none.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest timeout an initiator may ask for; prepared work holds locks until it ends.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the supervisor looks for expired transactions and unanswered messages.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>First wait before a Prepare, Commit or Abort is sent again; doubles up to <see cref="ResendMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan ResendInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan ResendMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>After this many unanswered deliveries a transaction is reported as stuck (it is still retried).</summary>
    [Range(1, 1000)]
    public int StuckAfterAttempts { get; set; } = 10;

    /// <summary>How long <c>POST /transactions/{id}/commit</c> waits for a one-phase outcome before answering 202.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan OnePhaseWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most transactions one supervisor sweep looks at.</summary>
    [Range(1, 100_000)]
    public int SweepBatchSize { get; set; } = 500;

    /// <summary>
    /// Wait for RabbitMQ to confirm each Prepare, Commit and Abort it accepts (MassTransit's publisher confirmation).
    /// Off by default because the protocol does not rely on it: an unanswered message is sent again
    /// (<see cref="ResendInitialDelay"/>), and participants answer a repeated one again, so a message the broker
    /// loses costs a resend delay, never an outcome. Measured: confirmations cost RabbitMQ ~40% of its CPU per order
    /// (docs/benchmarks.md, step 10).
    /// </summary>
    public bool PublisherConfirmation { get; set; }

    /// <summary>
    /// Make every enlistment durable (a replication round, or a database write for a lone coordinator) before the
    /// participant hears it is enlisted. Off by default: an enlistment is then kept in the leader's memory until the
    /// transaction's next durable change, one replication round fewer per participant, but a coordinator that takes
    /// over cannot know those enlistments and aborts every transaction it finds Active (presumed abort, as Narayana and
    /// MSDTC do). On, the transactions begun from then on survive a failover or a restart: the new leader knows their
    /// participants and lets their initiators commit them. The choice is recorded in each transaction, so replicas
    /// configured differently, or a change of this setting, never make a leader believe it knows what it does not.
    /// Measured: docs/replication.md ("Durable enlistments"), about 4% more CPU per order, no order aborted by a failover.
    /// </summary>
    public bool DurableEnlistments { get; set; }

    /// <summary>
    /// How long a finished transaction (Committed, or Aborted: every participant has answered its outcome) is kept for
    /// the operators' views before it is deleted. Nobody needs it afterwards: a participant asking about a transaction
    /// the coordinator does not know rolls back (presumed abort), and only finished ones are deleted.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan FinishedRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Apply EF Core migrations when the service starts (otherwise run <c>TxCoordinator.Coordinator migrate</c>).</summary>
    public bool ApplyMigrationsOnStartup { get; set; }
}
