using Microsoft.Extensions.Logging;

namespace TxCoordinator.ServiceDefaults.Diagnostics;

/// <summary>Log lines of the shared service wiring (event ids 5300-5399).</summary>
internal static partial class LogMessages
{
    [LoggerMessage(5300, LogLevel.Information, "The {Service} tables are ready")]
    public static partial void TablesReady(ILogger logger, string service);

    [LoggerMessage(5301, LogLevel.Warning, "Creating the {Service} tables failed (attempt {Attempt} of {MaxAttempts})")]
    public static partial void TablesRetry(ILogger logger, string service, int attempt, int maxAttempts, Exception exception);
}
