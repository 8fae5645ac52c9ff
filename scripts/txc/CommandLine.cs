namespace TxCoordinator.Cli;

/// <summary>
/// A parsed command line: the command words (e.g. "tx", "list", an id), options with values, and flags.
/// Options may repeat (<c>--coordinator</c>); <c>--name=value</c> and <c>--name value</c> are the same.
/// </summary>
internal sealed class CommandLine
{
    /// <summary>Options that take no value.</summary>
    private static readonly HashSet<string> Flags = ["json", "help"];

    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public List<string> Words { get; } = [];

    /// <exception cref="UsageException">An option without its value.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var line = new CommandLine();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h")
            {
                line._flags.Add("help");
                continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                line.Words.Add(arg);
                continue;
            }

            var name = arg[2..];
            string? value = null;
            if (name.IndexOf('=', StringComparison.Ordinal) is var equals and > 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }

            if (Flags.Contains(name))
            {
                line._flags.Add(name);
                continue;
            }

            if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    throw new UsageException($"--{name} needs a value.");
                }

                value = args[++i];
            }

            if (!line._options.TryGetValue(name, out var values))
            {
                line._options[name] = values = [];
            }

            values.Add(value);
        }

        return line;
    }

    public bool Has(string flag) => _flags.Contains(flag);

    public IReadOnlyList<string> All(string option) => _options.GetValueOrDefault(option) ?? [];

    /// <exception cref="UsageException">The option is given more than once.</exception>
    public string? One(string option) => All(option) switch
    {
        [] => null,
        [var value] => value,
        _ => throw new UsageException($"--{option} is given more than once."),
    };

    /// <exception cref="UsageException">An option the command does not know.</exception>
    public void AllowOnly(params string[] options)
    {
        var unknown = _options.Keys.FirstOrDefault(o => o != "coordinator" && !options.Contains(o));
        if (unknown is not null)
        {
            throw new UsageException($"unknown option --{unknown}.");
        }
    }
}
