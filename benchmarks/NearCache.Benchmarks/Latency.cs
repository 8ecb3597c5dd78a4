using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionStores.Benchmarks;

namespace SessionStores.NearCache.Benchmarks;

/// <summary>Write in this process, seen in another: the time from the start (and from the end) of a write here to its
/// announcement reaching a second process's feed.</summary>
internal static class Latency
{
    public static async Task RunAsync(string backend, string connection, string ns, ISessionStore writer, int writes, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (!Environment.ProcessPath!.EndsWith("NearCache.Benchmarks", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(typeof(Latency).Assembly.Location);
        }

        foreach (var argument in new[] { "watch", backend, connection, ns })
        {
            start.ArgumentList.Add(argument);
        }

        using var watcher = Process.Start(start)!;
        if (await watcher.StandardOutput.ReadLineAsync(cancellationToken) != "ready")
        {
            throw new InvalidOperationException("The watcher did not start.");
        }

        var id = Guid.NewGuid().ToString("N");
        var sent = new long[writes + 1];
        var acknowledged = new long[writes + 1];
        for (var i = 1; i <= writes; i++)
        {
            sent[i] = DateTime.UtcNow.Ticks;
            var result = await writer.SetAsync(id, new SessionWrite(new byte[200], TimeSpan.FromMinutes(10)), cancellationToken);
            acknowledged[i] = DateTime.UtcNow.Ticks;
            if (result.Version != i)
            {
                throw new InvalidOperationException($"Expected version {i}, got {result.Version}.");
            }

            await Task.Delay(1, cancellationToken);
        }

        var seen = new Dictionary<long, long>();
        while (seen.Count < writes && await watcher.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            var parts = line.Split(' ');
            seen[long.Parse(parts[1], CultureInfo.InvariantCulture)] = long.Parse(parts[2], CultureInfo.InvariantCulture);
        }

        watcher.StandardInput.Close();
        await watcher.WaitForExitAsync(cancellationToken);
        var fromStart = seen.Select(s => TimeSpan.FromTicks(s.Value - sent[s.Key]).TotalMilliseconds).Order().ToArray();
        var fromAck = seen.Select(s => TimeSpan.FromTicks(s.Value - acknowledged[s.Key]).TotalMilliseconds).Order().ToArray();
        Console.WriteLine(
            $"{backend,-9} write-to-seen over {seen.Count}/{writes} writes: from the write's start p50 {Percentiles.Of(fromStart, 0.5):0.000} ms, p99 {Percentiles.Of(fromStart, 0.99):0.000} ms; " +
            $"from its acknowledgement p50 {Percentiles.Of(fromAck, 0.5):0.000} ms, p99 {Percentiles.Of(fromAck, 0.99):0.000} ms");
        await ((IAsyncDisposable)writer).DisposeAsync();
    }
}
