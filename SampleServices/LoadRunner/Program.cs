using Npgsql;
using TxCoordinator.Samples.LoadRunner;
using TxCoordinator.Samples.LoadRunner.Commands;
using TxCoordinator.Samples.LoadRunner.History;

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

var report = Console.Error;
try
{
    return options.Command switch
    {
        Command.Run => await WorkloadCommands.RunAsync(options, report, cancellation.Token),
        Command.Outstanding => await HistoryCommands.OutstandingAsync(options, report, cancellation.Token),
        Command.Final => await HistoryCommands.FinalAsync(options, report, cancellation.Token),
        Command.Check => await HistoryCommands.CheckAsync(options, report, cancellation.Token),
        _ => await WorkloadCommands.DemoAsync(options, report, cancellation.Token),
    };
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    await report.WriteLineAsync("loadrunner: cancelled");
    return 130;
}
catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or HistoryFormatException or IOException)
{
    await report.WriteLineAsync($"loadrunner: {ex.Message}");
    return 1;
}
