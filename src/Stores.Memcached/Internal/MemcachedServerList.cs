using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;

namespace SessionStores.Memcached.Internal;

/// <summary>The server list of <see cref="MemcachedSessionStoreOptions.ConnectionString"/>: <c>host[:port]</c> entries
/// separated by commas, the port 11211 when left out.</summary>
internal static class MemcachedServerList
{
    /// <summary>memcached's default port.</summary>
    public const int DefaultPort = 11211;

    /// <summary>Parses a server list.</summary>
    /// <param name="connectionString">The list.</param>
    /// <param name="servers">The servers, in the order given.</param>
    /// <param name="problem">What is wrong, when the list is invalid.</param>
    /// <returns>Whether the list is valid: at least one server, each once.</returns>
    public static bool TryParse(string? connectionString, out List<DnsEndPoint> servers, out string? problem)
    {
        servers = [];
        problem = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            problem = "must be set";
            return false;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in connectionString.Split(',', StringSplitOptions.TrimEntries))
        {
            var colon = entry.LastIndexOf(':');
            var host = colon < 0 ? entry : entry[..colon];
            var port = DefaultPort;
            if (host.Length == 0 || host.Contains(' ', StringComparison.Ordinal) ||
                (colon >= 0 && !int.TryParse(entry.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port)) ||
                port is < 1 or > IPEndPoint.MaxPort)
            {
                problem = $"must be host[:port] entries separated by commas ('{entry}' is not one)";
                return false;
            }

            if (!seen.Add(host + ":" + port.ToString(CultureInfo.InvariantCulture)))
            {
                problem = $"lists {host}:{port} twice";
                return false;
            }

            servers.Add(new DnsEndPoint(host, port));
        }

        return true;
    }
}
