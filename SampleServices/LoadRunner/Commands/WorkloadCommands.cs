using System.Runtime.InteropServices;
using TxCoordinator.Samples.LoadRunner.History;

namespace TxCoordinator.Samples.LoadRunner.Commands;

/// <summary>The commands that place orders: the demo (then checks) and the chaos run's workload (records only).</summary>
public static class WorkloadCommands
{
    private static readonly TimeSpan StopFilePoll = TimeSpan.FromMilliseconds(200);

    public static async Task<int> DemoAsync(Options options, TextWriter report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var services = Services.For(options);
        await using var file = options.History is { } path ? new HistoryWriter(path) : null;
        var history = new HistoryLog(file);
        var catalog = await SeedAsync(services, options, history, report, cancellationToken);
        var plans = OrderPlanner.Plan(catalog, options.Orders!.Value, options.Seed);
        await report.WriteLineAsync($"[loadrunner] placing {plans.Count} orders, {options.Concurrency} at a time, at {options.OrdersUrl}");
        var workload = await new Workload(services.Http, options.OrdersUrl!, options.Concurrency, history, services.Time, report)
            .RunAsync(plans, plans.Count, CancellationToken.None, cancellationToken);

        var outstanding = await new Settlement(services.StateReader, services.Time, report)
            .WaitAsync(options.Label, Settlement.DefaultTimeout, cancellationToken);
        await history.AddAsync(outstanding, cancellationToken);
        await history.AddAsync(await services.StateReader.ReadFinalAsync(cancellationToken), cancellationToken);

        var run = RunHistory.From(history.Records);
        var check = HistoryChecker.Check(run);
        CheckReporter.Write(check, run, report);
        var summary = Summary.From(workload, check);
        Console.WriteLine(summary.Line);
        return summary.ExitCode;
    }

    public static async Task<int> RunAsync(Options options, TextWriter report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var services = Services.For(options);
        await using var file = new HistoryWriter(options.History!);
        var history = new HistoryLog(file);
        var catalog = await SeedAsync(services, options, history, report, cancellationToken);

        // Stopping is graceful (no new orders, answers still awaited); Ctrl-C (cancellationToken) is not.
        using var stop = new CancellationTokenSource();
        if (options.Duration is { } duration)
        {
            stop.CancelAfter(duration);
        }

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        var watcher = options.StopFile is { } stopFile ? WatchStopFileAsync(stopFile, stop, cancellationToken) : Task.CompletedTask;

        IEnumerable<OrderPlan> plans = options.Orders is { } count
            ? OrderPlanner.Plan(catalog, count, options.Seed)
            : OrderPlanner.Endless(catalog, options.Seed);
        await report.WriteLineAsync(
            $"[loadrunner] placing orders {(options.Orders is { } n ? $"({n})" : $"for {options.Duration!.Value.TotalSeconds:0} s")}, " +
            $"{options.Concurrency} at a time, at {options.OrdersUrl}; history in {options.History}");
        var workload = await new Workload(services.Http, options.OrdersUrl!, options.Concurrency, history, services.Time, report)
            .RunAsync(plans, options.Orders, stop.Token, cancellationToken);
        await stop.CancelAsync();
        await watcher;
        await report.WriteLineAsync($"[loadrunner] stopped after {workload.Orders.Count} orders ({workload.WallTime.TotalSeconds:0.0} s)");
        return 0;
    }

    private static async Task<Catalog> SeedAsync(
        Services services, Options options, HistoryLog history, TextWriter report, CancellationToken cancellationToken)
    {
        var catalog = await new Seeder(services.Inventory, services.Payments, services.Time, report).SeedAsync(options.Seed, cancellationToken);
        await history.AddAsync(new StartRecord(services.Time.GetUtcNow().ToUnixTimeMilliseconds(), options.Seed,
            catalog.InitialStock, catalog.InitialBalances), cancellationToken);
        return catalog;
    }

    // The chaos script asks the runner to stop by creating a file: simpler to coordinate from bash than a signal.
    private static async Task WatchStopFileAsync(string path, CancellationTokenSource stop, CancellationToken cancellationToken)
    {
        try
        {
            while (!stop.IsCancellationRequested && !File.Exists(path))
            {
                await Task.Delay(StopFilePoll, cancellationToken);
            }

            await stop.CancelAsync();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C: the workload is being abandoned anyway.
        }
    }
}
