using Microsoft.Extensions.Hosting;

namespace TxCoordinator.Bench.Cli;

/// <summary>The bench's server modes (saga-worker, participant-serve, chain-serve): up, ready line, until stopped.</summary>
public static class ServerLifetime
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Starts <paramref name="host"/>, writes <paramref name="readyLine"/> (what bench/run.sh and crossings.sh wait
    /// for), runs until <paramref name="cancellationToken"/> is cancelled (Ctrl-C, SIGTERM), then stops it within 20 s.
    /// </summary>
    public static async Task<int> RunUntilStoppedAsync(IHost host, TextWriter report, string readyLine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(report);
        await host.StartAsync(cancellationToken);
        await report.WriteLineAsync(readyLine);
        await report.FlushAsync(cancellationToken);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped.
        }

        using var stopTimeout = new CancellationTokenSource(StopTimeout);
        await host.StopAsync(stopTimeout.Token);
        return 0;
    }
}
