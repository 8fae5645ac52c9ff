using System.Globalization;
using Npgsql;

namespace TxCoordinator.Samples.LoadRunner;

/// <summary>The load runner's command line.</summary>
public sealed record Options(
    Uri OrdersUrl,
    Uri CoordinatorUrl,
    string InventoryDb,
    string PaymentsDb,
    string CoordinatorDb,
    int Orders,
    int Concurrency,
    int Seed)
{
    public const int MaxOrders = 1_000_000;
    public const int MaxConcurrency = 1024;

    public const string Usage = """
        usage: TxCoordinator.Samples.LoadRunner --orders-url URL --coordinator-url URL
                 --inventory-db CONNSTR --payments-db CONNSTR --coordinator-db CONNSTR
                 [--orders N (1000)] [--concurrency C (32)] [--seed S (42)]
        Seeds the Inventory and Payments tables, places N orders through the Orders service with C in flight, waits
        until every transaction is finished and checks that each order happened everywhere or nowhere. The last line
        on stdout is "demo: committed=.. aborted=.. in_doubt=.. violations=.. tps=.. p50_ms=.. p99_ms=..".
        Exit code 0 only when nothing is in doubt, no invariant is violated and some order committed.
        """;

    private static readonly string[] Known =
        ["--orders-url", "--coordinator-url", "--inventory-db", "--payments-db", "--coordinator-db", "--orders", "--concurrency", "--seed"];

    /// <exception cref="OptionsException">An option is unknown, repeated, missing or malformed.</exception>
    public static Options Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (!Known.Contains(name))
            {
                throw new OptionsException($"unknown option '{name}'");
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

        return new Options(
            HttpUrl(values, "--orders-url"),
            HttpUrl(values, "--coordinator-url"),
            ConnectionString(values, "--inventory-db"),
            ConnectionString(values, "--payments-db"),
            ConnectionString(values, "--coordinator-db"),
            Integer(values, "--orders", 1000, 1, MaxOrders),
            Integer(values, "--concurrency", 32, 1, MaxConcurrency),
            Integer(values, "--seed", 42, int.MinValue, int.MaxValue));
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
