using System.Diagnostics;
using System.Net;
using System.Text;

namespace TxCoordinator.TestInfrastructure;

/// <summary>
/// A real process under test: <c>dotnet &lt;dll&gt; &lt;args&gt;</c> with extra environment variables, its stdout and stderr
/// captured (and optionally copied to a file), killed with SIGKILL, i.e. without any shutdown code, when asked or when
/// disposed. Integration tests use it to crash services for real.
/// </summary>
public sealed class ProcessHost : IAsyncDisposable
{
    // Services log a line per request: keep the newest few megabytes, enough to explain a failure.
    private const int MaxBufferedChars = 8_000_000;
    private const int TailLines = 80;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private readonly StreamWriter? _log;

    private ProcessHost(Process process, string name, StreamWriter? log)
    {
        _process = process;
        Name = name;
        _log = log;
    }

    /// <summary>The dll's file name, for messages.</summary>
    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code once the process has ended (137 after SIGKILL), else null.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Everything the process wrote to stdout and stderr so far, line by line in arrival order.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>dotnet <paramref name="dll"/></c> from the dll's folder (where its appsettings.json is).</summary>
    /// <param name="environment">Added to (and overriding) the test process's own environment.</param>
    /// <param name="logFile">When given, the output is also appended to this file as it arrives.</param>
    public static ProcessHost Start(
        string dll, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, string? logFile = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dll);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} does not exist: build it first.", dll);
        }

        var startInfo = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(dll))!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }

        var log = logFile is null ? null : new StreamWriter(logFile, append: true) { AutoFlush = true };
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var host = new ProcessHost(process, Path.GetFileName(dll), log);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            log?.Dispose();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Nobody types into it: a closed stdin also stops anything that would wait for input.
        process.StandardInput.Close();
        return host;
    }

    /// <summary>Polls <paramref name="url"/> until it answers 200.</summary>
    /// <exception cref="TimeoutException">No 200 within <paramref name="timeout"/>; the message has the output's tail.</exception>
    /// <exception cref="InvalidOperationException">The process exited first.</exception>
    public async Task WaitForHttpAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var last = "no answer yet";
        try
        {
            while (true)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException(
                        $"{Name} exited with code {_process.ExitCode} before {url} answered 200. Output:\n{Tail()}");
                }

                try
                {
                    using var response = await http.GetAsync(url, deadline.Token);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }

                    last = $"HTTP {(int)response.StatusCode}";
                }
                catch (HttpRequestException ex)
                {
                    last = ex.Message;
                }
                catch (TaskCanceledException) when (!deadline.IsCancellationRequested)
                {
                    last = "request timed out";
                }

                await Task.Delay(PollInterval, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{url} did not answer 200 within {timeout} (last: {last}). {Name} output:\n{Tail()}");
        }
    }

    /// <summary>Waits for the process to end and returns its exit code.</summary>
    /// <exception cref="TimeoutException">Still running after <paramref name="timeout"/> (it is left running).</exception>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{Name} still runs after {timeout}. Output:\n{Tail()}");
        }

        return _process.ExitCode;
    }

    /// <summary>SIGKILL to the process and its children: no shutdown code runs, exactly like a crash.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) when (_process.HasExited)
        {
            // Died on its own first.
        }

        await WaitForExitAsync(KillTimeout, cancellationToken);
    }

    /// <summary>SIGSTOP: the process freezes (no CPU, no I/O, sockets stay open) until <see cref="Resume"/>.</summary>
    public void Pause() => UnixSignals.Stop(_process.Id);

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => UnixSignals.Continue(_process.Id);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
        if (_log is not null)
        {
            await _log.DisposeAsync();
        }
    }

    /// <summary>The last lines of <see cref="Output"/>.</summary>
    public string Tail(int lines = TailLines)
    {
        var all = Output.Split('\n');
        return string.Join('\n', all[Math.Max(0, all.Length - lines)..]);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_output.Length > MaxBufferedChars)
            {
                _output.Remove(0, _output.Length / 2);
            }

            _output.Append(line).Append('\n');
            _log?.WriteLine(line);
        }
    }

    // The dotnet that runs the tests, so a machine with several SDKs runs the services on the same runtime.
    private static string DotnetHost()
    {
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
    }
}
