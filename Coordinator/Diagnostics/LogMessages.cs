using TxCoordinator.Contracts;

namespace TxCoordinator.Coordinator.Diagnostics;

/// <summary>Every log line of the coordinator. Event ids: 1xxx engine, 2xxx messaging, 3xxx supervision, 4xxx hosting.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(1000, LogLevel.Debug, "Transaction {TransactionId} begun, deadline {Deadline}")]
    public static partial void TransactionBegun(ILogger logger, Guid transactionId, DateTimeOffset deadline);

    [LoggerMessage(1001, LogLevel.Debug, "Participant '{ParticipantId}' enlisted in transaction {TransactionId} at '{Endpoint}'")]
    public static partial void ParticipantEnlisted(ILogger logger, string participantId, Guid transactionId, string endpoint);

    [LoggerMessage(1002, LogLevel.Information, "Transaction {TransactionId} decided {Decision}: {Reason}")]
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

    [LoggerMessage(3000, LogLevel.Warning, "Transaction {TransactionId} is stuck in {State}: participant '{ParticipantId}' has not answered {Attempts} deliveries")]
    public static partial void Stuck(ILogger logger, Guid transactionId, TransactionState state, string participantId, int attempts);

    [LoggerMessage(3001, LogLevel.Information, "Supervisor resumed: {Count} unfinished transactions found at start-up")]
    public static partial void Resumed(ILogger logger, int count);

    [LoggerMessage(3002, LogLevel.Error, "Supervisor sweep failed; retrying next interval")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(4000, LogLevel.Information, "Applying coordinator database migrations")]
    public static partial void ApplyingMigrations(ILogger logger);

    [LoggerMessage(4001, LogLevel.Information, "Coordinator database is up to date ({Count} migrations applied)")]
    public static partial void MigrationsApplied(ILogger logger, int count);
}
