using System.Diagnostics;
using System.Globalization;
using TxCoordinator.Bench.Cli;

namespace TxCoordinator.Bench.Measurement;

/// <summary>
/// CPU time of process trees from /proc: each watched process with all its descendants (PostgreSQL's backends,
/// RabbitMQ's Erlang VM under its start script), counting utime, stime and the time of children already reaped
/// (cutime, cstime). Trees, not sessions: PostgreSQL's backends call setsid() themselves.
/// </summary>
public static class ProcessCpu
{
    /// <summary>Linux reports /proc times in USER_HZ, which is 100 on every architecture .NET runs on.</summary>
    public const double TicksPerSecond = 100;

    public const string SelfName = "bench-client";

    /// <summary>Passes over /proc per sample at most, when processes keep vanishing.</summary>
    public const int MaxPasses = 5;

    /// <summary>Pid, parent pid and total ticks (utime + stime + cutime + cstime) of one /proc/PID/stat line.</summary>
    public static StatLine? ParseStat(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        // The command name (field 2) may contain spaces and parentheses: fields are counted after its last ')'.
        var start = line.IndexOf(" (", StringComparison.Ordinal);
        var end = line.LastIndexOf(')');
        if (start < 0 || end < start || !int.TryParse(line.AsSpan(0, start), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }

        var fields = line[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state): the parent is field 4, utime..cstime are fields 14..17.
        if (fields.Length < 15 || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent))
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

        return new StatLine(pid, parent, ticks);
    }

    /// <summary>Total ticks of each root and all its descendants; <paramref name="members"/> gets every pid counted.</summary>
    public static Dictionary<int, long> TreeTicks(IReadOnlyCollection<StatLine> processes, IEnumerable<int> roots, ISet<int>? members = null)
    {
        ArgumentNullException.ThrowIfNull(processes);
        ArgumentNullException.ThrowIfNull(roots);
        var children = processes.ToLookup(p => p.ParentPid);
        var byPid = processes.ToDictionary(p => p.Pid);
        var result = new Dictionary<int, long>();
        foreach (var root in roots.Distinct())
        {
            long total = 0;
            var pending = new Stack<int>([root]);
            var seen = new HashSet<int>();
            while (pending.TryPop(out var pid))
            {
                if (!seen.Add(pid))
                {
                    continue;
                }

                if (byPid.TryGetValue(pid, out var line))
                {
                    total += line.Ticks;
                    members?.Add(pid);
                }

                foreach (var child in children[pid])
                {
                    pending.Push(child.Pid);
                }
            }

            result[root] = total;
        }

        return result;
    }

    /// <summary>CPU seconds used so far by each watched group (a name may stand for several trees), plus this process as <see cref="SelfName"/>.</summary>
    /// <remarks>
    /// /proc is read one process at a time, so a pass is not a snapshot: a backend that PostgreSQL reaps between the
    /// postmaster's line and its own is in neither (its time moves to the postmaster's cutime after that was read),
    /// and a long-lived one can make the group's total drop below the previous sample: the likely reason one phase of
    /// the 4c88f8d run showed 0% for PostgreSQL (a script reading a churning process tree the same way saw its total
    /// drop; with the re-reading below it did not). A pass is therefore read again, up to <see cref="MaxPasses"/>
    /// times, when a process vanished before its line was read, or when one it counted is gone by the pass's end (its
    /// time may then be in its parent's cutime too, should the parent have been read after it).
    /// </remarks>
    public static Dictionary<string, double> Sample(IReadOnlyList<WatchedProcess> watched)
    {
        ArgumentNullException.ThrowIfNull(watched);
        var roots = watched.SelectMany(w => w.Pids).ToList();
        Dictionary<int, long> trees = [];
        for (var pass = 1; pass <= MaxPasses; pass++)
        {
            var (processes, vanished) = ReadProcesses(watched.Count > 0);
            var members = new HashSet<int>();
            trees = TreeTicks(processes, roots, members);
            if (!vanished && members.All(pid => Directory.Exists(Path.Combine("/proc", pid.ToString(CultureInfo.InvariantCulture)))))
            {
                break;
            }
        }

        var result = watched.ToDictionary(w => w.Name, w => w.Pids.Sum(p => trees.GetValueOrDefault(p)) / TicksPerSecond);
        using var self = Process.GetCurrentProcess();
        result[SelfName] = self.TotalProcessorTime.TotalSeconds;
        return result;
    }

    /// <summary>Every process's stat line; <c>Vanished</c> when one ended between the listing and its reading.</summary>
    private static (List<StatLine> Processes, bool Vanished) ReadProcesses(bool wanted)
    {
        var processes = new List<StatLine>();
        var vanished = false;
        if (!wanted || !Directory.Exists("/proc"))
        {
            return (processes, vanished);
        }

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
                    processes.Add(stat);
                }
            }
            catch (IOException)
            {
                vanished = true;
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to read.
            }
        }

        return (processes, vanished);
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

/// <summary>What <see cref="ProcessCpu"/> reads from one /proc/PID/stat.</summary>
public readonly record struct StatLine(int Pid, int ParentPid, long Ticks);
