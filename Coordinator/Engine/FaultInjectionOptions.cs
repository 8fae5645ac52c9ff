namespace TxCoordinator.Coordinator.Engine;

/// <summary>
/// Crashes on purpose at a chosen point of the protocol, so that tests can prove recovery from exactly there.
/// Section "Coordinator:Faults"; never enable it in production.
/// </summary>
public sealed class FaultInjectionOptions
{
    public const string SectionName = "Coordinator:Faults";

    /// <summary>Metadata key with which a transaction asks for a fault (when <see cref="Enabled"/>).</summary>
    public const string MetadataKey = "txc-fault";

    /// <summary>
    /// The value of <see cref="MetadataKey"/> that kills the deciding coordinator (SIGKILL, no clean-up) right after
    /// the transaction's two-phase decision is durable and before any Commit or Abort is sent: the worst moment.
    /// </summary>
    public const string CrashAfterDecision = "crash-after-decision";

    /// <summary>
    /// Prefix of the value of <see cref="MetadataKey"/> that fails the applier of one replica (<c>fail-apply:r2</c>):
    /// applying the first log entry holding the transaction throws, as an unreadable entry would, so that replica's
    /// decision log refuses all further work and the process stops with exit code 70. Only transactions begun after the
    /// replica started count, so that the restarted replica replays the same entry and goes on.
    /// </summary>
    public const string FailApplyPrefix = "fail-apply:";

    /// <summary>
    /// The value of <see cref="MetadataKey"/> with which a new leader leaves the transaction Active as it takes over,
    /// as if its resume had not reached it yet. Whether it may know every enlistment or not, it is then aborted (and
    /// its abort announced) by whatever comes first in that window: its initiator's commit, another enlistment, or its
    /// deadline.
    /// </summary>
    public const string KeepOnTakeover = "keep-on-takeover";

    /// <summary>Honour fault requests carried in transactions' metadata.</summary>
    public bool Enabled { get; set; }
}
