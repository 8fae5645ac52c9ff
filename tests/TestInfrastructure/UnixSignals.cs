using System.Runtime.InteropServices;

namespace TxCoordinator.TestInfrastructure;

/// <summary>
/// Signals .NET has no API for: SIGSTOP/SIGCONT freeze a process the way a long GC pause or a VM stall would; SIGTERM
/// asks a script to stop and clean up, where <see cref="System.Diagnostics.Process.Kill()"/> would leave what it started.
/// </summary>
public static partial class UnixSignals
{
    public static void Terminate(int processId) => Send(processId, 15);

    public static void Stop(int processId) => Send(processId, OperatingSystem.IsMacOS() ? 17 : 19);

    public static void Continue(int processId) => Send(processId, OperatingSystem.IsMacOS() ? 19 : 18);

    private static void Send(int processId, int signal)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("Signalling a process needs Linux or macOS.");
        }

        if (Kill(processId, signal) != 0)
        {
            throw new InvalidOperationException($"kill({processId}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int sig);
}
