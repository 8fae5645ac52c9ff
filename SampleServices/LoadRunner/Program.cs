using Npgsql;
using TxCoordinator.Samples.LoadRunner;

if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(Options.Usage);
    return 0;
}

Options options;
try
{
    options = Options.Parse(args);
}
catch (OptionsException ex)
{
    await Console.Error.WriteLineAsync($"loadrunner: {ex.Message}\n\n{Options.Usage}");
    return 2;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

var time = TimeProvider.System;
var report = Console.Error;
await using var inventory = NpgsqlDataSource.Create(options.InventoryDb);
await using var payments = NpgsqlDataSource.Create(options.PaymentsDb);
await using var coordinator = NpgsqlDataSource.Create(options.CoordinatorDb);
// An order may wait for the coordinator's transaction timeout and a commit: a minute means something is broken.
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency + 8 })
{
    Timeout = TimeSpan.FromSeconds(60),
};

try
{
    var catalog = await new Seeder(inventory, payments, time, report).SeedAsync(options.Seed, cancellation.Token);
    var plans = OrderPlanner.Plan(catalog, options.Orders, options.Seed);
    await report.WriteLineAsync($"[loadrunner] placing {plans.Count} orders, {options.Concurrency} at a time, at {options.OrdersUrl}");
    var workload = await new Workload(http, options.OrdersUrl, options.Concurrency, time, report).RunAsync(plans, cancellation.Token);
    var check = await new InvariantChecker(inventory, payments, coordinator, http, options.CoordinatorUrl, time, report)
        .CheckAsync(catalog, workload, cancellation.Token);
    var summary = Summary.From(workload, check);
    Console.WriteLine(summary.Line);
    return summary.ExitCode;
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    await report.WriteLineAsync("loadrunner: cancelled");
    return 130;
}
catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
{
    await report.WriteLineAsync($"loadrunner: {ex.Message}");
    return 1;
}
