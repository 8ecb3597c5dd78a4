using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace SessionStores.Redis.Benchmarks;

/// <summary>
/// The Redis server of one benchmark process: <c>$SESSIONSTORES_REDIS</c>, else a throwaway local <c>redis-server</c>
/// on a free loopback port (persistence off), stopped at the end.
/// </summary>
internal sealed class BenchmarkRedis : IDisposable
{
    private readonly Process? _process;
    private readonly string? _root;

    private BenchmarkRedis(string connectionString, Process? process, string? root)
    {
        ConnectionString = connectionString;
        _process = process;
        _root = root;
    }

    public string ConnectionString { get; }

    public static BenchmarkRedis Start()
    {
        if (Environment.GetEnvironmentVariable("SESSIONSTORES_REDIS") is { Length: > 0 } given)
        {
            return new BenchmarkRedis(given, null, null);
        }

        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var root = Directory.CreateTempSubdirectory("sessionstores-bench-redis-").FullName;
        var start = new ProcessStartInfo("redis-server") { UseShellExecute = false, WorkingDirectory = root };
        foreach (var argument in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--dir", root, "--logfile", Path.Combine(root, "redis.log") })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start redis-server (install it: apt-get install redis-server).");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!Ping(port))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"redis-server on port {port} did not start.");
            }

            Thread.Sleep(20);
        }

        return new BenchmarkRedis($"127.0.0.1:{port}", process, root);
    }

    public void Dispose()
    {
        if (_process is not null && !_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        if (_root is not null)
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static bool Ping(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            var stream = client.GetStream();
            stream.Write("PING\r\n"u8);
            var buffer = new byte[16];
            return stream.Read(buffer) >= 5 && buffer.AsSpan(0, 5).SequenceEqual("+PONG"u8);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
