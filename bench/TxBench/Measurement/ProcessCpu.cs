using System.Diagnostics;
using System.Globalization;
using TxCoordinator.Bench.Cli;

namespace TxCoordinator.Bench.Measurement;

/// <summary>
/// CPU time of process groups from /proc: every process whose session is one of the watched ids (our scripts start
/// each server and service with setsid, so a session is the process with all its children, e.g. PostgreSQL's
/// backends or RabbitMQ's Erlang VM), counting utime, stime and the time of children already reaped (cutime, cstime).
/// </summary>
public static class ProcessCpu
{
    /// <summary>Linux reports /proc times in USER_HZ, which is 100 on every architecture .NET runs on.</summary>
    public const double TicksPerSecond = 100;

    public const string SelfName = "bench-client";

    /// <summary>Session id and total ticks (utime + stime + cutime + cstime) of one /proc/PID/stat line.</summary>
    public static (int Session, long Ticks)? ParseStat(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        // The command name (field 2) may contain spaces and parentheses: fields are counted after its last ')'.
        var end = line.LastIndexOf(')');
        if (end < 0)
        {
            return null;
        }

        var fields = line[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state): session is field 6, utime..cstime are fields 14..17.
        if (fields.Length < 15 || !int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var session))
        {
            return null;
        }

        long ticks = 0;
        for (var i = 11; i <= 14; i++)
        {
            if (!long.TryParse(fields[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }

            ticks += value;
        }

        return (session, ticks);
    }

    /// <summary>CPU seconds used so far by each watched group, plus this process as <see cref="SelfName"/>.</summary>
    public static Dictionary<string, double> Sample(IReadOnlyList<WatchedProcess> watched)
    {
        ArgumentNullException.ThrowIfNull(watched);
        var bySession = new Dictionary<int, long>();
        if (watched.Count > 0 && Directory.Exists("/proc"))
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    continue;
                }

                try
                {
                    if (ParseStat(File.ReadAllText(Path.Combine(dir, "stat"))) is { } stat)
                    {
                        bySession[stat.Session] = bySession.GetValueOrDefault(stat.Session) + stat.Ticks;
                    }
                }
                catch (IOException)
                {
                    // The process ended between listing and reading.
                }
                catch (UnauthorizedAccessException)
                {
                    // Not ours to read.
                }
            }
        }

        var result = watched.ToDictionary(w => w.Name, w => w.SessionIds.Sum(s => bySession.GetValueOrDefault(s)) / TicksPerSecond);
        using var self = Process.GetCurrentProcess();
        result[SelfName] = self.TotalProcessorTime.TotalSeconds;
        return result;
    }

    /// <summary>Percent of one core per group between two samples taken <paramref name="elapsed"/> apart.</summary>
    public static Dictionary<string, double> PercentOfCore(
        IReadOnlyDictionary<string, double> before, IReadOnlyDictionary<string, double> after, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return after.ToDictionary(
            a => a.Key,
            a => elapsed > TimeSpan.Zero ? Math.Round(100 * Math.Max(0, a.Value - before.GetValueOrDefault(a.Key)) / elapsed.TotalSeconds, 1) : 0);
    }
}
