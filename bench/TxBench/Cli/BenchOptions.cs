using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace TxCoordinator.Bench.Cli;

/// <summary>The parsed command line of one mode; options a mode does not take are refused, not ignored.</summary>
public sealed partial record BenchOptions
{
    public const int MaxConcurrency = 4096;
    public const double MaxRate = 100_000;
    public const int MaxDurationSeconds = 3600;
    public const int MaxPayloadBytes = 1024 * 1024;

    public required BenchMode Mode { get; init; }
    public int Concurrency { get; init; } = 32;

    /// <summary>Arrivals per second for the open loop; null runs the closed loop at <see cref="Concurrency"/>.</summary>
    public double? Rate { get; init; }
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);
    public int Seed { get; init; } = 42;
    public string? Label { get; init; }
    public IReadOnlyList<WatchedProcess> Watch { get; init; } = [];
    public string? InventoryDb { get; init; }
    public string? PaymentsDb { get; init; }
    public string? Db { get; init; }
    public Uri? RabbitMq { get; init; }
    public Uri? OrdersUrl { get; init; }
    public IReadOnlyList<Uri> CoordinatorUrls { get; init; } = [];
    public IReadOnlyList<Uri> ParticipantUrls { get; init; } = [];
    public Uri? Urls { get; init; }
    public int PayloadBytes { get; init; } = 100;
    public string Client { get; init; } = "mt";
    public string? Name { get; init; }

    /// <summary>Which of the chain's processes <c>chain-serve</c> hosts: orders, inventory or payments.</summary>
    public string? Role { get; init; }
    public Uri? InventoryUrl { get; init; }
    public Uri? PaymentsUrl { get; init; }

    /// <exception cref="OptionsException">Unknown mode or option, missing or malformed value.</exception>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0)
        {
            throw new OptionsException("a mode is required");
        }

        var mode = BenchMode.Find(args[0])
            ?? throw new OptionsException($"unknown mode '{args[0]}' (modes: {string.Join(", ", BenchMode.All.Select(m => m.Name))})");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Count; i++)
        {
            var name = args[i];
            if (!mode.Required.Contains(name) && !mode.Optional.Contains(name))
            {
                throw new OptionsException($"mode {mode.Name} does not take option '{name}'");
            }

            if (i + 1 >= args.Count)
            {
                throw new OptionsException($"{name} needs a value");
            }

            if (!values.TryAdd(name, args[++i]))
            {
                throw new OptionsException($"{name} is given twice");
            }
        }

        foreach (var required in mode.Required.Where(r => !values.ContainsKey(r)))
        {
            throw new OptionsException($"mode {mode.Name} needs {required}");
        }

        if (values.ContainsKey("--rate") && values.ContainsKey("--concurrency"))
        {
            throw new OptionsException("--rate (open loop) and --concurrency (closed loop) exclude each other");
        }

        var reader = new Reader(values);
        var options = new BenchOptions
        {
            Mode = mode,
            Concurrency = reader.Integer("--concurrency", 32, 1, MaxConcurrency),
            Rate = values.ContainsKey("--rate") ? reader.Number("--rate", 0.1, MaxRate) : null,
            Duration = TimeSpan.FromSeconds(reader.Integer("--duration", 20, 1, MaxDurationSeconds)),
            Warmup = TimeSpan.FromSeconds(reader.Integer("--warmup", 3, 0, MaxDurationSeconds)),
            Seed = reader.Integer("--seed", 42, int.MinValue, int.MaxValue),
            Label = values.GetValueOrDefault("--label"),
            Watch = values.TryGetValue("--watch", out var watch) ? ParseWatch(watch) : [],
            InventoryDb = reader.ConnectionString("--inventory-db"),
            PaymentsDb = reader.ConnectionString("--payments-db"),
            Db = reader.ConnectionString("--db"),
            RabbitMq = reader.Url("--rabbitmq", "amqp", "amqps"),
            OrdersUrl = reader.Url("--orders-url", "http", "https"),
            CoordinatorUrls = reader.Urls("--coordinator-url"),
            ParticipantUrls = reader.Urls("--participant-urls"),
            Urls = reader.Url("--urls", "http", "https"),
            PayloadBytes = reader.Integer("--payload", 100, 0, MaxPayloadBytes),
            Client = reader.OneOf("--client", "mt", "mt", "mt-transient", "raw"),
            Name = reader.Pattern("--name", ParticipantName(), "lower-case letters, digits, '_' or '-', at most 63"),
            Role = values.ContainsKey("--role") ? reader.OneOf("--role", "orders", "orders", "inventory", "payments") : null,
            InventoryUrl = reader.Url("--inventory-url", "http", "https"),
            PaymentsUrl = reader.Url("--payments-url", "http", "https"),
        };
        RequireRoleOptions(options);
        return options;
    }

    // chain-serve's roles need different options: the participants a database, orders the participants' addresses.
    private static void RequireRoleOptions(BenchOptions options)
    {
        switch (options.Role)
        {
            case "orders" when options.InventoryUrl is null || options.PaymentsUrl is null:
                throw new OptionsException("--role orders needs --inventory-url and --payments-url");
            case "orders" when options.Db is not null:
                throw new OptionsException("--role orders takes no --db: it calls inventory and payments");
            case "inventory" or "payments" when options.Db is null:
                throw new OptionsException($"--role {options.Role} needs --db");
            case "inventory" or "payments" when options.InventoryUrl is not null || options.PaymentsUrl is not null:
                throw new OptionsException($"--role {options.Role} takes no --inventory-url or --payments-url: only orders calls them");
        }
    }

    /// <summary>"inventory=123,orders=456+789": names with one or more process ids each.</summary>
    public static IReadOnlyList<WatchedProcess> ParseWatch(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new List<WatchedProcess>();
        foreach (var entry in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split('=', 2);
            if (parts.Length != 2 || !WatchName().IsMatch(parts[0]))
            {
                throw new OptionsException($"--watch entry '{entry}' must look like name=pid or name=pid+pid");
            }

            var pids = new List<int>();
            foreach (var pid in parts[1].Split('+'))
            {
                if (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
                {
                    throw new OptionsException($"--watch entry '{entry}': '{pid}' is not a process id");
                }

                pids.Add(value);
            }

            if (result.Any(w => w.Name == parts[0]))
            {
                throw new OptionsException($"--watch names '{parts[0]}' twice");
            }

            result.Add(new WatchedProcess(parts[0], pids));
        }

        return result;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex ParticipantName();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex WatchName();

    private sealed class Reader(Dictionary<string, string> values)
    {
        public int Integer(string name, int fallback, int min, int max)
        {
            if (!values.TryGetValue(name, out var text))
            {
                return fallback;
            }

            return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
                ? value
                : throw new OptionsException($"{name} must be a whole number from {min} to {max}, not '{text}'");
        }

        public double Number(string name, double min, double max)
        {
            var text = values[name];
            return double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
                ? value
                : throw new OptionsException($"{name} must be a number from {min} to {max}, not '{text}'");
        }

        public string OneOf(string name, string fallback, params string[] allowed)
        {
            var text = values.GetValueOrDefault(name, fallback);
            return allowed.Contains(text) ? text : throw new OptionsException($"{name} must be one of {string.Join(", ", allowed)}, not '{text}'");
        }

        public string? Pattern(string name, Regex pattern, string description)
        {
            if (!values.TryGetValue(name, out var text))
            {
                return null;
            }

            return pattern.IsMatch(text) ? text : throw new OptionsException($"{name} must be {description}, not '{text}'");
        }

        public string? ConnectionString(string name)
        {
            if (!values.TryGetValue(name, out var text))
            {
                return null;
            }

            try
            {
                var builder = new NpgsqlConnectionStringBuilder(text);
                return string.IsNullOrEmpty(builder.Host) || string.IsNullOrEmpty(builder.Database)
                    ? throw new OptionsException($"{name} must name a Host and a Database")
                    : builder.ConnectionString;
            }
            catch (ArgumentException ex)
            {
                throw new OptionsException($"{name} is not a valid Npgsql connection string: {ex.Message}");
            }
        }

        public Uri? Url(string name, params string[] schemes)
        {
            return values.TryGetValue(name, out var text) ? ParseUrl(name, text, schemes) : null;
        }

        public IReadOnlyList<Uri> Urls(string name)
        {
            if (!values.TryGetValue(name, out var text))
            {
                return [];
            }

            var urls = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => ParseUrl(name, t, "http", "https")).ToList();
            return urls.Count > 0 ? urls : throw new OptionsException($"{name} needs at least one URL");
        }

        private static Uri ParseUrl(string name, string text, params string[] schemes) =>
            Uri.TryCreate(text, UriKind.Absolute, out var uri) && schemes.Contains(uri.Scheme)
                ? uri
                : throw new OptionsException($"{name} must be an absolute {string.Join(" or ", schemes.Select(s => s + "://"))} URL, not '{text}'");
    }
}
