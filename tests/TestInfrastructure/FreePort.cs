using System.Net;
using System.Net.Sockets;

namespace TxCoordinator.TestInfrastructure;

/// <summary>Loopback TCP ports for processes under test.</summary>
public static class FreePort
{
    private static readonly HashSet<int> HandedOut = [];
    private static readonly Lock Gate = new();

    /// <summary>
    /// A port nobody listened on a moment ago, never the same twice in this process (the kernel may offer a just-closed
    /// port again, and two services told the same port would fight over it).
    /// </summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Gate)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException("No unused loopback port found in 100 attempts.");
    }
}
