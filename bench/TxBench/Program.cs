using TxCoordinator.Bench.Cli;

return await BenchCommand.RunAsync(args);
