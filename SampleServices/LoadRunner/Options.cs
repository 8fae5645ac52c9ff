using System.Globalization;
using Npgsql;

namespace TxCoordinator.Samples.LoadRunner;

/// <summary>What the load runner is asked to do.</summary>
public enum Command
{
    /// <summary>Seed, place orders, settle, check: the demo.</summary>
    Demo,

    /// <summary>Seed and place orders until a count, a deadline, a stop file or SIGTERM, recording the history; no check.</summary>
    Run,

    /// <summary>Append the transactions still unfinished (coordinator) or prepared (participants) to the history.</summary>
    Outstanding,

    /// <summary>Wait (bounded) until the system quiesces, then append the observed state to the history.</summary>
    Final,

    /// <summary>Check a history file and print the chaos summary line.</summary>
    Check,
}

/// <summary>The load runner's command line; which options apply depends on the command.</summary>
public sealed record Options(
    Command Command,
    Uri? OrdersUrl,
    Uri? CoordinatorUrl,
    string? InventoryDb,
    string? PaymentsDb,
    string? CoordinatorDb,
    int? Orders,
    TimeSpan? Duration,
    string? StopFile,
    int Concurrency,
    int Seed,
    string? History,
    string Label,
    TimeSpan Settle)
{
    /// <summary>
    /// final's coordinator replicas by name (<c>--replica-dbs r1=CONNSTR|r2=CONNSTR</c>), whose databases are held
    /// against each other; empty when not given.
    /// </summary>
    public IReadOnlyDictionary<string, string> ReplicaDbs { get; init; } = new Dictionary<string, string>();

    public const int MaxOrders = 1_000_000;
    public const int MaxConcurrency = 1024;
    public const int MaxSeconds = 24 * 3600;

    public const string Usage = """
        usage: TxCoordinator.Samples.LoadRunner [demo] --orders-url URL --coordinator-url URL
                 --inventory-db CONNSTR --payments-db CONNSTR --coordinator-db CONNSTR
                 [--orders N (1000)] [--concurrency C (32)] [--seed S (42)] [--history FILE]
          Seeds the Inventory and Payments tables, places N orders through the Orders service with C in flight, waits
          until every transaction is finished and checks that each order happened everywhere or nowhere. The last line
          on stdout is "demo: committed=.. aborted=.. in_doubt=.. violations=.. tps=.. p50_ms=.. p99_ms=..".
          Exit code 0 only when nothing is in doubt, no invariant is violated and some order committed.
        TxCoordinator.Samples.LoadRunner run --orders-url URL --inventory-db CONNSTR --payments-db CONNSTR --history FILE
                 (--orders N | --duration SECONDS) [--stop-file PATH] [--concurrency C] [--seed S]
          Seeds, then places orders until N are placed, the duration is over, PATH exists or SIGTERM arrives; orders in
          flight still get their answer. Appends start, invoke and complete lines to FILE. No check.
        TxCoordinator.Samples.LoadRunner outstanding --label L --inventory-db .. --payments-db .. --coordinator-db .. --history FILE
          Appends what is unfinished right now (coordinator transactions, participants' pg_prepared_xacts).
        TxCoordinator.Samples.LoadRunner final [--settle SECONDS (60)] --inventory-db .. --payments-db .. --coordinator-db .. --history FILE
                 [--replica-dbs NAME=CONNSTR|NAME=CONNSTR|...]
          Waits until nothing is unfinished (at most SECONDS), then appends the observed rows, totals and states (and
          each replica's finished transactions, which the check holds against each other).
        TxCoordinator.Samples.LoadRunner check --history FILE
          Checks atomicity, durability, conservation, leftovers and in-doubt transactions over FILE; prints
          "chaos: tx=.. faults=.. violations=.. in_doubt=.. max_recovery_s=.."; exit code 1 when violations or in_doubt
          are not 0 or nothing committed.
        """;

    private static readonly Dictionary<Command, string[]> Allowed = new()
    {
        [Command.Demo] = ["--orders-url", "--coordinator-url", "--inventory-db", "--payments-db", "--coordinator-db", "--orders", "--concurrency", "--seed", "--history"],
        [Command.Run] = ["--orders-url", "--inventory-db", "--payments-db", "--orders", "--duration", "--stop-file", "--concurrency", "--seed", "--history"],
        [Command.Outstanding] = ["--inventory-db", "--payments-db", "--coordinator-db", "--history", "--label"],
        [Command.Final] = ["--inventory-db", "--payments-db", "--coordinator-db", "--history", "--settle", "--replica-dbs"],
        [Command.Check] = ["--history"],
    };

    /// <exception cref="OptionsException">An option is unknown, repeated, missing or malformed.</exception>
    public static Options Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var command = Command.Demo;
        var first = 0;
        if (args.Count > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
        {
            command = Enum.TryParse<Command>(args[0], ignoreCase: true, out var parsed) && args[0].All(char.IsLower)
                ? parsed
                : throw new OptionsException($"unknown command '{args[0]}'");
            first = 1;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = first; i < args.Count; i++)
        {
            var name = args[i];
            if (!Allowed[command].Contains(name))
            {
                throw new OptionsException($"unknown option '{name}' for command {command.ToString().ToLowerInvariant()}");
            }

            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new OptionsException($"{name} needs a value");
            }

            if (!values.TryAdd(name, args[++i]))
            {
                throw new OptionsException($"{name} is given twice");
            }
        }

        var needs = command switch
        {
            Command.Demo => ["--orders-url", "--coordinator-url", "--inventory-db", "--payments-db", "--coordinator-db"],
            Command.Run => ["--orders-url", "--inventory-db", "--payments-db", "--history"],
            Command.Outstanding => ["--inventory-db", "--payments-db", "--coordinator-db", "--history", "--label"],
            Command.Final => ["--inventory-db", "--payments-db", "--coordinator-db", "--history"],
            _ => new[] { "--history" },
        };
        foreach (var name in needs)
        {
            Required(values, name);
        }

        if (command == Command.Run && values.ContainsKey("--orders") == values.ContainsKey("--duration"))
        {
            throw new OptionsException("run needs exactly one of --orders and --duration");
        }

        int? orders = command == Command.Demo || values.ContainsKey("--orders") ? Integer(values, "--orders", 1000, 1, MaxOrders) : null;
        TimeSpan? duration = values.ContainsKey("--duration") ? TimeSpan.FromSeconds(Integer(values, "--duration", 0, 1, MaxSeconds)) : null;
        return new Options(
            command,
            values.ContainsKey("--orders-url") ? HttpUrl(values, "--orders-url") : null,
            values.ContainsKey("--coordinator-url") ? HttpUrl(values, "--coordinator-url") : null,
            values.ContainsKey("--inventory-db") ? ConnectionString(values, "--inventory-db") : null,
            values.ContainsKey("--payments-db") ? ConnectionString(values, "--payments-db") : null,
            values.ContainsKey("--coordinator-db") ? ConnectionString(values, "--coordinator-db") : null,
            orders,
            duration,
            values.GetValueOrDefault("--stop-file"),
            Integer(values, "--concurrency", 32, 1, MaxConcurrency),
            Integer(values, "--seed", 42, int.MinValue, int.MaxValue),
            values.GetValueOrDefault("--history"),
            values.GetValueOrDefault("--label") ?? "settled",
            TimeSpan.FromSeconds(Integer(values, "--settle", 60, 0, MaxSeconds)))
        {
            ReplicaDbs = values.ContainsKey("--replica-dbs") ? ReplicaConnectionStrings(values["--replica-dbs"]) : new Dictionary<string, string>(),
        };
    }

    private static Dictionary<string, string> ReplicaConnectionStrings(string text)
    {
        var replicas = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in text.Split('|'))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? entry[..equals] : "";
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                throw new OptionsException($"--replica-dbs must be NAME=CONNSTR entries separated by '|', not '{entry}'");
            }

            var connectionString = ConnectionString(new Dictionary<string, string> { ["--replica-dbs"] = entry[(equals + 1)..] }, "--replica-dbs");
            if (!replicas.TryAdd(name, connectionString))
            {
                throw new OptionsException($"--replica-dbs names replica '{name}' twice");
            }
        }

        return replicas;
    }

    private static string Required(Dictionary<string, string> values, string name) =>
        values.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value)
            ? value
            : throw new OptionsException($"{name} is required");

    // Always with a trailing slash, so that relative paths ("orders") resolve below it.
    private static Uri HttpUrl(Dictionary<string, string> values, string name)
    {
        var text = Required(values, name);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new OptionsException($"{name} must be an absolute http:// or https:// URL, not '{text}'");
        }

        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    private static string ConnectionString(Dictionary<string, string> values, string name)
    {
        var text = Required(values, name);
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(text);
            return string.IsNullOrEmpty(builder.Host)
                ? throw new OptionsException($"{name} must name a Host")
                : builder.ConnectionString;
        }
        catch (ArgumentException ex)
        {
            throw new OptionsException($"{name} is not a valid Npgsql connection string: {ex.Message}");
        }
    }

    private static int Integer(Dictionary<string, string> values, string name, int fallback, int min, int max)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new OptionsException($"{name} must be an integer from {min} to {max}, not '{text}'");
    }
}
