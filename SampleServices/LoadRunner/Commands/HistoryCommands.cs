using TxCoordinator.Samples.LoadRunner.History;

namespace TxCoordinator.Samples.LoadRunner.Commands;

/// <summary>The chaos script's commands after the workload: record what is outstanding and the final state, then check.</summary>
public static class HistoryCommands
{
    public static async Task<int> OutstandingAsync(Options options, TextWriter report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var services = Services.For(options);
        await using var file = new HistoryWriter(options.History!);
        var outstanding = await services.StateReader.ReadOutstandingAsync(options.Label, cancellationToken);
        await file.AppendAsync(outstanding, cancellationToken);
        await report.WriteLineAsync($"[loadrunner] {options.Label}: {outstanding.Unfinished.Count} coordinator transaction(s) unfinished, " +
            $"{outstanding.Prepared.Count} prepared at the participants{(outstanding.CoordinatorError is { } e ? "; " + e : "")}");
        return 0;
    }

    public static async Task<int> FinalAsync(Options options, TextWriter report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var services = Services.For(options);
        await using var file = new HistoryWriter(options.History!);
        await new Settlement(services.StateReader, services.Time, report).WaitAsync("final", options.Settle, cancellationToken);
        var final = await services.StateReader.ReadFinalAsync(cancellationToken);
        if (services.Replicas.Count > 0)
        {
            try
            {
                final = final with { ReplicaDecisions = await services.StateReader.ReadReplicaDecisionsAsync(services.Replicas, cancellationToken) };
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidCastException)
            {
                // The rest of the record still stands; the replicas are then simply not held against each other.
                await report.WriteLineAsync($"[loadrunner] cannot read every replica's transactions, replicas not compared: {ex.Message}");
            }
        }

        await file.AppendAsync(final, cancellationToken);
        return 0;
    }

    public static async Task<int> CheckAsync(Options options, TextWriter report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var history = await RunHistory.ReadAsync([options.History!], cancellationToken);
        var result = HistoryChecker.Check(history);
        CheckReporter.Write(result, history, report);
        Console.WriteLine(CheckReporter.ChaosLine(result));
        return result.Violations.Count == 0 && result.InDoubt == 0 && result.Committed > 0 ? 0 : 1;
    }
}
