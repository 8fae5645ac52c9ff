namespace TxCoordinator.Bench.Cli;

/// <summary>A subcommand: its name, what it does, and which options it requires or accepts.</summary>
public sealed record BenchMode(string Name, string Summary, IReadOnlyList<string> Required, IReadOnlyList<string> Optional)
{
    /// <summary>Options of every load-generating mode (closed loop at --concurrency, or open loop at --rate).</summary>
    public static readonly string[] LoadOptions = ["--concurrency", "--rate", "--duration", "--warmup", "--seed", "--watch", "--label"];

    public static readonly IReadOnlyList<BenchMode> All =
    [
        new("floor", "peer a: PREPARE TRANSACTION on both databases, then COMMIT PREPARED on both, from one process",
            ["--inventory-db", "--payments-db"], LoadOptions),
        new("bus", "peer b: request/response round trips through RabbitMQ (--client mt: MassTransit request client, persistent and confirmed; mt-transient: the same as the coordinator and the SDK send theirs, neither; raw: RabbitMQ.Client)",
            ["--rabbitmq"], [.. LoadOptions, "--client"]),
        new("saga", "peer c: the order as a MassTransit routing slip with compensation, run by saga-worker processes",
            ["--rabbitmq", "--inventory-db", "--payments-db"], LoadOptions),
        new("saga-worker", "hosts the routing slip's activities (reserve stock, charge) until stopped",
            ["--rabbitmq", "--inventory-db", "--payments-db"], []),
        new("orders", "peer d: POST /orders to the Orders sample (TxCoordinator behind it)",
            ["--orders-url", "--inventory-db", "--payments-db"], LoadOptions),
        new("chain", "peer e: POST /orders to the chain-serve processes (the samples' HTTP calls, no coordinator)",
            ["--orders-url", "--inventory-db", "--payments-db"], LoadOptions),
        new("chain-serve", "hosts one process of peer e (--role orders, inventory or payments) until stopped",
            ["--role", "--urls"], ["--db", "--inventory-url", "--payments-url"]),
        new("participants", "TxCoordinator with N bench participants per transaction, each writing --payload bytes",
            ["--coordinator-url", "--participant-urls"], [.. LoadOptions, "--payload"]),
        new("participant-serve", "hosts one bench participant (Participants.Sdk) until stopped",
            ["--name", "--db", "--rabbitmq", "--coordinator-url", "--urls"], []),
        new("seed", "creates the samples' tables when missing and fills them as the demo's load runner does",
            ["--inventory-db", "--payments-db"], ["--seed"]),
    ];

    public static BenchMode? Find(string name) => All.FirstOrDefault(m => m.Name == name);

    public static string Usage => "usage: TxCoordinator.Bench MODE [--option value]...\nmodes:\n" +
        string.Join('\n', All.Select(m => $"  {m.Name,-18} {m.Summary}\n  {"",-18} needs {string.Join(' ', m.Required)}" +
            (m.Optional.Count > 0 ? $"; accepts {string.Join(' ', m.Optional)}" : ""))) + "\n" +
        """
        load options: --concurrency C (32, closed loop) or --rate R (transactions per second, open loop), --duration S (20),
          --warmup S (3, excluded from the figures), --seed N (42), --watch name=pid[+pid...][,name=pid...] (CPU of those
          processes and their descendants during the measured window), --label TEXT; --payload BYTES (100); --client mt|raw (mt).
        The figures are one JSON object on stdout; progress goes to stderr. Exit code 2: bad option or unreachable server.
        """;
}
