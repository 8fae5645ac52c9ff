using System.Globalization;
using System.Runtime.InteropServices;
using Npgsql;
using TxCoordinator.Bench.Bus;
using TxCoordinator.Bench.Chain;
using TxCoordinator.Bench.Floor;
using TxCoordinator.Bench.Measurement;
using TxCoordinator.Bench.Orders;
using TxCoordinator.Bench.Participants;
using TxCoordinator.Bench.Saga;
using TxCoordinator.Bench.Workload;

namespace TxCoordinator.Bench.Cli;

/// <summary>Runs one mode: exit 0 with the figures, 1 when nothing committed, 2 on bad options or unreachable servers, 130 when stopped.</summary>
public static class BenchCommand
{
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args)
    {
        var report = Console.Error;
        if (args is [] or ["--help"] or ["-h"])
        {
            await report.WriteLineAsync(BenchMode.Usage);
            return args.Length == 0 ? 2 : 0;
        }

        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (OptionsException ex)
        {
            await report.WriteLineAsync($"txbench: {ex.Message}\n(TxCoordinator.Bench --help lists the modes and options)");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        // Ctrl-C and SIGTERM stop the run; the workloads' DisposeAsync then cleans up (prepared transactions, queues).
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        try
        {
            return await RunModeAsync(options, report, stop.Token);
        }
        catch (UnreachableException ex)
        {
            await report.WriteLineAsync($"txbench {options.Mode.Name}: {ex.Message}");
            return 2;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await report.WriteLineAsync($"txbench {options.Mode.Name}: stopped");
            return 130;
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
            // Clean-up (rolling back prepared transactions, stopping buses) has this long; a stuck call must not keep
            // the process, and the servers it holds, alive.
            _ = Task.Delay(ExitGrace, CancellationToken.None).ContinueWith(_ => Environment.Exit(130), TaskScheduler.Default);
        }
    }

    private static async Task<int> RunModeAsync(BenchOptions options, TextWriter report, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        switch (options.Mode.Name)
        {
            case "saga-worker":
                return await SagaWorker.RunAsync(options, report, cancellationToken);
            case "participant-serve":
                return await ParticipantServer.RunAsync(options, report, cancellationToken);
            case "chain-serve":
                return await ChainServer.RunAsync(options, report, cancellationToken);
            case "seed":
            {
                await using var inventory = NpgsqlDataSource.Create(options.InventoryDb!);
                await using var payments = NpgsqlDataSource.Create(options.PaymentsDb!);
                await OrderStream.SeedAsync(inventory, payments, options.Seed, time, report, cancellationToken);
                return 0;
            }
        }

        await using var inventoryDb = options.InventoryDb is null ? null : NpgsqlDataSource.Create(Pooled(options.InventoryDb, options));
        await using var paymentsDb = options.PaymentsDb is null ? null : NpgsqlDataSource.Create(Pooled(options.PaymentsDb, options));
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = MaxConnections(options) })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
        var parameters = new Dictionary<string, string>();
        var stream = inventoryDb is not null && paymentsDb is not null
            ? await OrderStream.SeedAsync(inventoryDb, paymentsDb, options.Seed, time, report, cancellationToken)
            : null;
        await report.WriteLineAsync($"[bench] mode {options.Mode.Name}: starting");
        await using IBenchWorkload workload = options.Mode.Name switch
        {
            "floor" => await StartFloorAsync(inventoryDb!, paymentsDb!, stream!, report, cancellationToken),
            "bus" => options.Client == "raw"
                ? await RawRoundTrips.StartAsync(options.RabbitMq!, options.Concurrency, cancellationToken)
                : await MassTransitRoundTrips.StartAsync(
                    options.RabbitMq!, options.Concurrency, transient: options.Client == "mt-transient", cancellationToken),
            "saga" => await SagaWorkload.StartAsync(options.RabbitMq!, stream!, options.Concurrency, cancellationToken),
            "orders" => await StartOrdersAsync(http, options, stream!, "txc", cancellationToken),
            "chain" => await StartOrdersAsync(http, options, stream!, "chain", cancellationToken),
            "participants" => await StartParticipantsAsync(http, options, parameters, cancellationToken),
            _ => throw new OptionsException($"mode {options.Mode.Name} generates no load"),
        };
        await report.WriteLineAsync($"[bench {workload.Peer}] started; one operation first, unmeasured");
        await ProbeAsync(workload, options, cancellationToken);

        await report.WriteLineAsync(
            $"[bench {workload.Peer}] {(options.Rate is { } rate ? $"open loop at {rate} tx/s" : $"closed loop at concurrency {options.Concurrency}")}, " +
            $"{options.Warmup.TotalSeconds:0} s warm-up, {options.Duration.TotalSeconds:0} s measured");
        var result = await new LoadDriver(options, time, report).RunAsync(workload, parameters, cancellationToken);
        await report.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"[bench {result.Peer}] tps={result.Tps} aborted={result.AbortRate:P1} failed={result.Failed} p50={result.LatencyMs.P50} ms " +
            $"p95={result.LatencyMs.P95} ms p99={result.LatencyMs.P99} ms max={result.LatencyMs.Max} ms " +
            $"cpu: {string.Join(' ', result.CpuPct.Select(c => $"{c.Key}={c.Value}%"))}"));
        Console.WriteLine(result.ToJson());
        return result.Committed > 0 ? 0 : 1;
    }

    // Open loop: many more operations may be in flight than --concurrency.
    private static int MaxConnections(BenchOptions options) => options.Rate is null ? options.Concurrency + 8 : 1024;

    private static string Pooled(string connectionString, BenchOptions options) =>
        new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = Math.Clamp(options.Concurrency + 8, 16, 200) }.ConnectionString;

    private static async Task<FloorWorkload> StartFloorAsync(
        NpgsqlDataSource inventory, NpgsqlDataSource payments, OrderStream stream, TextWriter report, CancellationToken cancellationToken)
    {
        var floor = new FloorWorkload(inventory, payments, stream, report);
        await floor.RollBackLeftoversAsync(cancellationToken);
        return floor;
    }

    private static async Task<OrdersWorkload> StartOrdersAsync(
        HttpClient http, BenchOptions options, OrderStream stream, string peer, CancellationToken cancellationToken)
    {
        await Connectivity.EnsureHttpAsync(http, options.OrdersUrl!, "--orders-url", cancellationToken);
        return new OrdersWorkload(http, options.OrdersUrl!, stream, peer);
    }

    private static async Task<ParticipantsWorkload> StartParticipantsAsync(
        HttpClient http, BenchOptions options, Dictionary<string, string> parameters, CancellationToken cancellationToken)
    {
        foreach (var url in options.CoordinatorUrls)
        {
            await Connectivity.EnsureHttpAsync(http, url, "--coordinator-url", cancellationToken);
        }

        foreach (var url in options.ParticipantUrls)
        {
            await Connectivity.EnsureHttpAsync(http, url, "--participant-urls", cancellationToken);
        }

        parameters["participants"] = options.ParticipantUrls.Count.ToString(CultureInfo.InvariantCulture);
        parameters["payload_bytes"] = options.PayloadBytes.ToString(CultureInfo.InvariantCulture);
        return new ParticipantsWorkload(options.CoordinatorUrls, options.ParticipantUrls, options.PayloadBytes, MaxConnections(options));
    }

    /// <summary>One operation before anything is measured: a missing worker or broken stack fails here, clearly.</summary>
    private static async Task ProbeAsync(IBenchWorkload workload, BenchOptions options, CancellationToken cancellationToken)
    {
        try
        {
            // A sequence number the measured operations never reach (the floor names its gids after it).
            var outcome = await workload.ExecuteAsync(long.MaxValue, cancellationToken).WaitAsync(ProbeTimeout, cancellationToken);
            if (outcome == OpOutcome.Failed)
            {
                throw new UnreachableException($"the first {workload.Peer} operation failed: is every server and worker of mode {options.Mode.Name} running?");
            }
        }
        catch (Exception ex) when (ex is not UnreachableException && !cancellationToken.IsCancellationRequested)
        {
            throw new UnreachableException($"the first {workload.Peer} operation failed ({ex.GetType().Name}: {ex.Message}): " +
                $"is every server and worker of mode {options.Mode.Name} running?", ex);
        }
    }
}
