using System.Net;
using System.Net.Sockets;
using TxCoordinator.TestInfrastructure;

namespace TxCoordinator.IntegrationTests.Stack;

public sealed class FreePortTests
{
    [Fact]
    public void Next_IsBelowTheEphemeralRange_SoNoOutgoingConnectionCanTakeItWhileItsServiceIsDown()
    {
        var ephemeralStart = File.Exists("/proc/sys/net/ipv4/ip_local_port_range")
            ? int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0])
            : 32768;

        var ports = Enumerable.Range(0, 50).Select(_ => FreePort.Next()).ToList();

        Assert.All(ports, port => Assert.InRange(port, 1024, ephemeralStart - 1));
        Assert.Equal(ports.Count, ports.Distinct().Count());
        // Nobody holds them: each can be listened on.
        foreach (var port in ports.Take(5))
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
        }
    }
}
