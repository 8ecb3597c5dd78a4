using System.Net;
using System.Net.Sockets;

namespace SessionStores.TestServers;

/// <summary>Loopback ports for throwaway servers and for tests that need an address nobody listens on.</summary>
public static class LoopbackPorts
{
    /// <summary>A loopback port that was free a moment ago (another process may still take it before it is bound).</summary>
    /// <returns>The port number.</returns>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Whether <paramref name="port"/> on the loopback address can be bound right now.</summary>
    /// <param name="port">The port.</param>
    /// <returns><see langword="true"/> when it can.</returns>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
