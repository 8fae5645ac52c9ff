using TxCoordinator.Samples.LoadRunner.History;

namespace TxCoordinator.Samples.LoadRunner;

/// <summary>
/// Phase two runs after the client got its answer, so the final state is read only once every coordinator transaction
/// is final and no prepared transaction is left at the participants (or once waiting longer makes no sense).
/// </summary>
public sealed class Settlement(StateReader reader, TimeProvider timeProvider, TextWriter report)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <returns>The last count taken: empty when settled.</returns>
    public async Task<OutstandingRecord> WaitAsync(string label, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var started = timeProvider.GetTimestamp();
        while (true)
        {
            var outstanding = await reader.ReadOutstandingAsync(label, cancellationToken);
            var settled = outstanding.CoordinatorError is null && outstanding.Count == 0;
            if (settled || timeProvider.GetElapsedTime(started) > timeout)
            {
                var waited = timeProvider.GetElapsedTime(started).TotalSeconds;
                await report.WriteLineAsync(settled
                    ? $"[loadrunner] settled after {waited:0.0} s"
                    : $"[loadrunner] not settled after {waited:0.0} s: {outstanding.Unfinished.Count} transaction(s) unfinished, " +
                      $"{outstanding.Prepared.Count} prepared transaction(s) at the participants{(outstanding.CoordinatorError is { } e ? "; " + e : "")}");
                return outstanding;
            }

            await Task.Delay(PollInterval, timeProvider, cancellationToken);
        }
    }
}
