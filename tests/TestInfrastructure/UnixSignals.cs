using System.Runtime.InteropServices;

namespace TxCoordinator.TestInfrastructure;

/// <summary>SIGSTOP/SIGCONT, which .NET has no API for: they freeze a process the way a long GC pause or a VM stall would.</summary>
internal static partial class UnixSignals
{
    public static void Stop(int processId) => Send(processId, OperatingSystem.IsMacOS() ? 17 : 19);

    public static void Continue(int processId) => Send(processId, OperatingSystem.IsMacOS() ? 19 : 18);

    private static void Send(int processId, int signal)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("Pausing a process needs Linux or macOS signals.");
        }

        if (Kill(processId, signal) != 0)
        {
            throw new InvalidOperationException($"kill({processId}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int sig);
}
