using TxCoordinator.Contracts;

namespace TxCoordinator.Coordinator.Diagnostics;

/// <summary>Every log line of the coordinator. Event ids: 1xxx engine, 2xxx messaging, 3xxx supervision, 4xxx hosting, 5xxx replication, 6xxx admin, 7xxx telemetry.</summary>
internal static partial class LogMessages
{
    private static readonly Func<ILogger, Guid, IDisposable?> TransactionScopeFormatter =
        LoggerMessage.DefineScope<Guid>("Transaction {TransactionId}");

    /// <summary>Every line logged inside carries the transaction's id as the structured property TransactionId.</summary>
    public static IDisposable? TransactionScope(ILogger logger, Guid transactionId) => TransactionScopeFormatter(logger, transactionId);

    [LoggerMessage(1000, LogLevel.Debug, "Transaction {TransactionId} begun, deadline {Deadline}")]
    public static partial void TransactionBegun(ILogger logger, Guid transactionId, DateTimeOffset deadline);

    [LoggerMessage(1001, LogLevel.Debug, "Participant '{ParticipantId}' enlisted in transaction {TransactionId} at '{Endpoint}'")]
    public static partial void ParticipantEnlisted(ILogger logger, string participantId, Guid transactionId, string endpoint);

    [LoggerMessage(1008, LogLevel.Debug, "Participant '{ParticipantId}' voted {Vote} in transaction {TransactionId} as it enlisted: it gets no Prepare")]
    public static partial void UnsolicitedVote(ILogger logger, string participantId, Guid transactionId, Contracts.Vote vote);

    [LoggerMessage(1002, LogLevel.Debug, "Transaction {TransactionId} decided {Decision}: {Reason}")]
    public static partial void Decided(ILogger logger, Guid transactionId, TransactionState decision, string? reason);

    [LoggerMessage(1003, LogLevel.Debug, "Transaction {TransactionId} completed as {State}")]
    public static partial void Completed(ILogger logger, Guid transactionId, TransactionState state);

    [LoggerMessage(1004, LogLevel.Warning, "Vote from '{ParticipantId}' for transaction {TransactionId} ignored: {Why}")]
    public static partial void VoteIgnored(ILogger logger, string participantId, Guid transactionId, string why);

    [LoggerMessage(1005, LogLevel.Warning, "Acknowledgement from '{ParticipantId}' for transaction {TransactionId} ignored: {Why}")]
    public static partial void AckIgnored(ILogger logger, string participantId, Guid transactionId, string why);

    [LoggerMessage(1006, LogLevel.Critical, "Participant '{ParticipantId}' reports {Outcome} for transaction {TransactionId}, which is {State}: heuristic damage, an operator must reconcile ({Reason})")]
    public static partial void HeuristicMismatch(ILogger logger, string participantId, Guid transactionId, ParticipantOutcome outcome, TransactionState state, string? reason);

    [LoggerMessage(1007, LogLevel.Warning, "Concurrent update of transaction {TransactionId}; retrying ({Attempt})")]
    public static partial void ConcurrencyRetry(ILogger logger, Guid transactionId, int attempt);

    [LoggerMessage(2000, LogLevel.Warning, "Sending {MessageType} to '{ParticipantId}' for transaction {TransactionId} failed; the supervisor will resend")]
    public static partial void SendFailed(ILogger logger, string messageType, string participantId, Guid transactionId, Exception exception);

    [LoggerMessage(2001, LogLevel.Error, "Rejected malformed {MessageType} (message {MessageId}): {Reason}. It goes to the error queue.")]
    public static partial void MalformedMessage(ILogger logger, string messageType, Guid? messageId, string reason);

    [LoggerMessage(2002, LogLevel.Warning, "Announcing {MessageType} for transaction {TransactionId} failed; a participant holding a branch of it resolves that from its recovery")]
    public static partial void AnnouncementFailed(ILogger logger, string messageType, Guid transactionId, Exception exception);

    [LoggerMessage(3000, LogLevel.Warning, "Transaction {TransactionId} is stuck in {State}: participant '{ParticipantId}' has not answered {Attempts} deliveries")]
    public static partial void Stuck(ILogger logger, Guid transactionId, TransactionState state, string participantId, int attempts);


    [LoggerMessage(3002, LogLevel.Error, "Supervisor sweep failed; retrying next interval")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(4000, LogLevel.Information, "Applying coordinator database migrations")]
    public static partial void ApplyingMigrations(ILogger logger);

    [LoggerMessage(4001, LogLevel.Information, "Coordinator database is up to date ({Count} migrations applied)")]
    public static partial void MigrationsApplied(ILogger logger, int count);

    [LoggerMessage(5000, LogLevel.Information, "Replica '{ReplicaId}' joined the Raft group on {EndPoint} ({Members} members, {Committed} entries committed in its log)")]
    public static partial void ReplicaStarted(ILogger logger, string replicaId, string endPoint, int members, long committed);

    [LoggerMessage(5001, LogLevel.Information, "Replica '{ReplicaId}' leads term {Term} and decides from now on (log applied up to {Applied})")]
    public static partial void TookOver(ILogger logger, string replicaId, long term, long applied);

    [LoggerMessage(5002, LogLevel.Warning, "Replica '{ReplicaId}' is no longer the leader (term {Term}); it stops deciding")]
    public static partial void SteppedDown(ILogger logger, string replicaId, long term);

    [LoggerMessage(5003, LogLevel.Warning, "Replica '{ReplicaId}' was elected but could not take over: {Reason}")]
    public static partial void TakeoverFailed(ILogger logger, string replicaId, string reason);

    [LoggerMessage(5004, LogLevel.Information, "Snapshot of the decision log at entry {Index} written: {Count} transactions, {Bytes} bytes compressed, in {ElapsedMs} ms, beside the applier (which it held for {CaptureMs} ms)")]
    public static partial void SnapshotWritten(ILogger logger, long index, int count, long bytes, long elapsedMs, double captureMs);

    [LoggerMessage(5014, LogLevel.Error, "Snapshot of the decision log at entry {Index} could not be written; the log keeps its entries until the next one is")]
    public static partial void SnapshotFailed(ILogger logger, long index, Exception exception);

    [LoggerMessage(5015, LogLevel.Information, "History filled from a peer after a snapshot: {Count} finished transactions begun between {From:O} and {Until:O} written")]
    public static partial void HistoryFilled(ILogger logger, DateTimeOffset from, DateTimeOffset until, int count);

    [LoggerMessage(5016, LogLevel.Warning, "Fetching the history from {Peer} failed (attempt {Attempt}); retrying")]
    public static partial void HistoryPageRetry(ILogger logger, Uri peer, int attempt, Exception exception);

    [LoggerMessage(5017, LogLevel.Error, "The finished transactions begun between {From:O} and {Until:O} could not all be fetched from the other replicas: this replica answers 404 for those it lacks if elected (the others still hold them)")]
    public static partial void HistoryNotFilled(ILogger logger, DateTimeOffset from, DateTimeOffset until, Exception exception);

    [LoggerMessage(5018, LogLevel.Error, "Snapshot {Snapshot} from the leader could not be written into the database; this replica stops applying the log (its readiness check fails) until it is restarted, which restores the snapshot again")]
    public static partial void SnapshotInstallFailed(ILogger logger, string snapshot, Exception exception);

    [LoggerMessage(5019, LogLevel.Information, "The leader's snapshot at entry {Index} ({Bytes} bytes) installed in {ElapsedMs:F0} ms inside the leader's request: {OwnSnapshotMs:F0} ms waiting for this replica's own snapshot being written, {ReceiveMs:F0} ms receiving it, {DiskMs:F0} ms flushing it to disk, {HandOverMs:F0} ms handing it to the database write")]
    public static partial void SnapshotInstalled(
        ILogger logger, long index, long bytes, double elapsedMs, double ownSnapshotMs, double receiveMs, double diskMs, double handOverMs);

    [LoggerMessage(5020, LogLevel.Information, "A follower refused the snapshot at entry {Index} (it already holds it: it answered after the leader's request had timed out): a newer snapshot is taken at the next entry applied, so that the leader stops sending it that one")]
    public static partial void SnapshotRequested(ILogger logger, long index);

    [LoggerMessage(5005, LogLevel.Information, "Snapshot {Snapshot} restored into the database: {Count} transactions")]
    public static partial void SnapshotRestored(ILogger logger, string snapshot, int count);

    [LoggerMessage(5013, LogLevel.Warning, "Snapshot {Snapshot} from the leader lacks {Count} transactions this replica held as unfinished: they finished while it was behind, and it forgets them")]
    public static partial void FinishedElsewhereForgotten(ILogger logger, string snapshot, int count);

    [LoggerMessage(5006, LogLevel.Warning, "Applying log entry {Index} to PostgreSQL failed (attempt {Attempt}); retrying")]
    public static partial void ApplyRetry(ILogger logger, long index, int attempt, Exception exception);

    [LoggerMessage(5007, LogLevel.Debug, "{MessageType} for transaction {TransactionId} forwarded to the leader '{Leader}'")]
    public static partial void ForwardedToLeader(ILogger logger, string messageType, Guid transactionId, string leader);

    [LoggerMessage(5008, LogLevel.Information, "Replica took over: re-driving {Count} unfinished transactions")]
    public static partial void Redriving(ILogger logger, int count);

    [LoggerMessage(5012, LogLevel.Critical, "Replica '{ReplicaId}': its decision log failed and refuses all further work; the process stops (exit code {ExitCode}) so that it is restarted, and replays the log from its last snapshot")]
    public static partial void LogFailed(ILogger logger, string replicaId, int exitCode, Exception exception);

    [LoggerMessage(5010, LogLevel.Warning, "Writing the changes a follower held to PostgreSQL failed; they stay held and the next flush retries")]
    public static partial void FlushFailed(ILogger logger, Exception exception);

    [LoggerMessage(6000, LogLevel.Warning, "Operator '{Operator}' heuristically aborted transaction {TransactionId} (was {State}): {Reason}")]
    public static partial void HeuristicAbortApplied(ILogger logger, string @operator, Guid transactionId, TransactionState state, string reason);

    [LoggerMessage(6001, LogLevel.Warning, "Operator '{Operator}' asked to abort transaction {TransactionId}; refused, it is {State}: {Reason}")]
    public static partial void HeuristicAbortRefused(ILogger logger, string @operator, Guid transactionId, TransactionState state, string reason);

    [LoggerMessage(7001, LogLevel.Information, "Deleted {Count} transactions finished before {Cutoff} (Coordinator:FinishedRetention)")]
    public static partial void Purged(ILogger logger, int count, DateTimeOffset cutoff);

    [LoggerMessage(7002, LogLevel.Warning, "Deleting finished transactions failed; retrying at the next interval")]
    public static partial void PurgeFailed(ILogger logger, Exception exception);

    [LoggerMessage(7000, LogLevel.Warning, "Counting unfinished transactions for the in-flight gauge failed; retrying at the next interval")]
    public static partial void InFlightCountFailed(ILogger logger, Exception exception);

    [LoggerMessage(9000, LogLevel.Critical, "Fault injection: killing this process after deciding {State} for transaction {TransactionId}, before telling any participant")]
    public static partial void InjectedCrash(ILogger logger, Guid transactionId, TransactionState state);

    [LoggerMessage(9001, LogLevel.Critical, "Fault injection: failing this replica's applier at log entry {Index}, which holds transaction {TransactionId}")]
    public static partial void InjectedApplyFailure(ILogger logger, long index, Guid transactionId);
}
