using Microsoft.Extensions.Logging;
using TxCoordinator.Contracts;

namespace TxCoordinator.Participants.Diagnostics;

/// <summary>
/// Every log line of the SDK. Event ids: 3000-3009 enlistment and work, 3010-3029 protocol, 3030-3039 messaging,
/// 3040-3049 expiry, 3050-3059 recovery, 3060-3069 schema, 3100-3109 coordinator client, 3110-3119 initiator, 3200-3209 propagation.
/// </summary>
internal static partial class LogMessages
{
    private static readonly Func<ILogger, Guid, IDisposable?> TransactionScopeFormatter =
        LoggerMessage.DefineScope<Guid>("Transaction {TransactionId}");

    /// <summary>Every line logged inside carries the transaction's id as the structured property TransactionId.</summary>
    public static IDisposable? TransactionScope(ILogger logger, Guid transactionId) => TransactionScopeFormatter(logger, transactionId);

    [LoggerMessage(3000, LogLevel.Debug, "Enlisted in transaction {TransactionId} as '{ParticipantId}', deadline {Deadline}")]
    public static partial void Enlisted(ILogger logger, Guid transactionId, string participantId, DateTimeOffset deadline);

    [LoggerMessage(3001, LogLevel.Warning, "The coordinator refused to enlist this participant in transaction {TransactionId}: {StatusCode} {Detail}")]
    public static partial void EnlistRefused(ILogger logger, Guid transactionId, int statusCode, string? detail);

    [LoggerMessage(3002, LogLevel.Information, "Work on transaction {TransactionId} failed and was rolled back: {Reason}")]
    public static partial void WorkFailed(ILogger logger, Guid transactionId, string reason);

    [LoggerMessage(3003, LogLevel.Warning, "Rolling back the local transaction of {TransactionId} failed; the connection is dropped, which rolls it back")]
    public static partial void RollbackFailed(ILogger logger, Guid transactionId, Exception exception);

    [LoggerMessage(3010, LogLevel.Debug, "Voted {Vote} on transaction {TransactionId}: {Reason}")]
    public static partial void Voted(ILogger logger, Guid transactionId, Vote vote, string? reason);

    [LoggerMessage(3011, LogLevel.Warning, "Preparing transaction {TransactionId} failed; voting No")]
    public static partial void PrepareFailed(ILogger logger, Guid transactionId, Exception exception);

    [LoggerMessage(3012, LogLevel.Warning, "Prepare of transaction {TransactionId} found its work still running after {Waited}; voting No")]
    public static partial void PrepareBusy(ILogger logger, Guid transactionId, TimeSpan waited);

    [LoggerMessage(3013, LogLevel.Warning, "Transaction {TransactionId} had open work although its branch was already {Status}; the work was rolled back")]
    public static partial void WorkAfterFinish(ILogger logger, Guid transactionId, string status);

    [LoggerMessage(3020, LogLevel.Debug, "Finished transaction {TransactionId}: {Outcome} {Reason}")]
    public static partial void Completed(ILogger logger, Guid transactionId, ParticipantOutcome outcome, string? reason);

    [LoggerMessage(3021, LogLevel.Error, "Protocol violation on transaction {TransactionId}: {Description}")]
    public static partial void ProtocolViolation(ILogger logger, Guid transactionId, string description);

    [LoggerMessage(3022, LogLevel.Warning, "One-phase commit of transaction {TransactionId} failed")]
    public static partial void OnePhaseCommitFailed(ILogger logger, Guid transactionId, Exception exception);

    [LoggerMessage(3023, LogLevel.Error, "Could not record the abort of transaction {TransactionId}; recovery or a resent message will finish it")]
    public static partial void BarrierFailed(ILogger logger, Guid transactionId, Exception exception);

    [LoggerMessage(3030, LogLevel.Error, "Rejected malformed {MessageType} {MessageId} (moved to the error queue): {Reason}")]
    public static partial void MalformedMessage(ILogger logger, string messageType, Guid? messageId, string reason);

    [LoggerMessage(3031, LogLevel.Warning, "{Count} acknowledgement(s) to {Address} could not be sent; the coordinator's resends ask for them again")]
    public static partial void AcknowledgementsNotSent(ILogger logger, int count, Uri address, Exception exception);

    [LoggerMessage(3032, LogLevel.Debug, "Acknowledgement of transaction {TransactionId} dropped while stopping; the coordinator's resend asks for it again")]
    public static partial void AcknowledgementDropped(ILogger logger, Guid transactionId);

    [LoggerMessage(3040, LogLevel.Warning, "Open work of transaction {TransactionId} saw no Prepare by its deadline {Deadline}; rolled back")]
    public static partial void OpenWorkExpired(ILogger logger, Guid transactionId, DateTimeOffset deadline);

    [LoggerMessage(3042, LogLevel.Warning, "Open work of transaction {TransactionId} rolled back: its abort was announced, and the coordinator holds it {State}")]
    public static partial void OpenWorkAborted(ILogger logger, Guid transactionId, string state);

    [LoggerMessage(3041, LogLevel.Error, "Rolling back expired work failed; retrying on the next scan")]
    public static partial void ExpiryFailed(ILogger logger, Exception exception);

    [LoggerMessage(3050, LogLevel.Information, "Recovery: transaction {TransactionId} is {State} at the coordinator; prepared branch {Action}")]
    public static partial void RecoveryResolved(ILogger logger, Guid transactionId, string state, string action);

    [LoggerMessage(3051, LogLevel.Debug, "Recovery: transaction {TransactionId} is still {State}; leaving its prepared branch to the coordinator")]
    public static partial void RecoveryLeft(ILogger logger, Guid transactionId, TransactionState state);

    [LoggerMessage(3052, LogLevel.Warning, "Recovery: could not ask the coordinator about transaction {TransactionId}; retrying on the next pass")]
    public static partial void RecoveryLookupFailed(ILogger logger, Guid transactionId, Exception exception);

    [LoggerMessage(3053, LogLevel.Error, "Recovery pass failed; retrying in {Interval}")]
    public static partial void RecoveryFailed(ILogger logger, TimeSpan interval, Exception exception);

    [LoggerMessage(3054, LogLevel.Information, "Recovery pass: {Examined} transaction(s) prepared longer than {GracePeriod} (of {Found} prepared): {Committed} committed, {RolledBack} rolled back, {Left} left")]
    public static partial void RecoveryPass(ILogger logger, int examined, TimeSpan gracePeriod, int found, int committed, int rolledBack, int left);

    [LoggerMessage(3060, LogLevel.Debug, "Outcome table txc_outcomes is ready")]
    public static partial void SchemaReady(ILogger logger);

    [LoggerMessage(3061, LogLevel.Warning, "Creating txc_outcomes failed (attempt {Attempt} of {MaxAttempts})")]
    public static partial void SchemaRetry(ILogger logger, int attempt, int maxAttempts, Exception exception);

    [LoggerMessage(3100, LogLevel.Warning, "Coordinator {Url} did not serve {Method} {Path}: {Problem}; trying the next address")]
    public static partial void CoordinatorAttemptFailed(ILogger logger, Uri url, string method, string path, string problem);

    [LoggerMessage(3101, LogLevel.Error, "No coordinator address served {Method} {Path} after {Attempts} attempts")]
    public static partial void CoordinatorUnavailable(ILogger logger, string method, string path, int attempts);

    [LoggerMessage(3110, LogLevel.Warning, "Aborting transaction {TransactionId} failed; the coordinator aborts it at its deadline")]
    public static partial void InitiatorAbortFailed(ILogger logger, Guid transactionId, Exception exception);

    [LoggerMessage(3111, LogLevel.Error, "The outcome of transaction {TransactionId} is not known: its commit ended with {CommitFailure}, then {LookupFailure}")]
    public static partial void InitiatorOutcomeUnknown(ILogger logger, Guid transactionId, string commitFailure, string? lookupFailure);

    [LoggerMessage(3200, LogLevel.Information, "Rejected request with an invalid {Header} header")]
    public static partial void InvalidTransactionHeader(ILogger logger, string header);
}
