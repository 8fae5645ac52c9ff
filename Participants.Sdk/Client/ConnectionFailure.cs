using System.Net.Sockets;

namespace TxCoordinator.Participants.Client;

/// <summary>What an HTTP call to a coordinator replica throws when the replica could not be reached or died under it.</summary>
internal static class ConnectionFailure
{
    /// <summary>
    /// True for a refused, reset or broken connection. A replica that dies as the connection opens can surface as a
    /// bare <see cref="SocketException"/> (error 107 from Socket.RemoteEndPoint inside HttpClient's ConnectAsync, seen
    /// in CI), not wrapped in an <see cref="HttpRequestException"/>.
    /// </summary>
    public static bool Is(Exception exception) => exception is HttpRequestException or SocketException or IOException;
}
