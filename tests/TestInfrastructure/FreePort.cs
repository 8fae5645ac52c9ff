using System.Net;
using System.Net.Sockets;

namespace TxCoordinator.TestInfrastructure;

/// <summary>Loopback TCP ports for processes under test.</summary>
public static class FreePort
{
    private const int Floor = 20_000;

    private static readonly HashSet<int> HandedOut = [];
    private static readonly Lock Gate = new();
    private static readonly int EphemeralStart = ReadEphemeralStart();

    /// <summary>
    /// A port nobody uses right now, below the kernel's ephemeral range, never the same twice in this process. Not from
    /// that range: the tests kill services and start them again on the same port, and meanwhile the kernel may give
    /// the port to any process's outgoing connection (to PostgreSQL, say), after which the service cannot listen on
    /// it and stays down for every test that follows.
    /// </summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = Random.Shared.Next(Floor, EphemeralStart);
            lock (Gate)
            {
                if (HandedOut.Contains(port) || !IsFree(port))
                {
                    continue;
                }

                HandedOut.Add(port);
                return port;
            }
        }

        throw new InvalidOperationException($"No unused loopback port found between {Floor} and {EphemeralStart} in 1000 attempts.");
    }

    private static bool IsFree(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Fails while any socket, listening or connected, holds the port (a connected one, even with SO_REUSEADDR).
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // Linux's default is 32768-60999; Windows and macOS start theirs at 49152, so the fallback is below both.
    private static int ReadEphemeralStart()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        try
        {
            if (File.Exists(range)
                && int.TryParse(File.ReadAllText(range).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0], out var start)
                && start - Floor >= 1000)
            {
                return start;
            }
        }
        catch (IOException)
        {
        }

        return 32768;
    }
}
