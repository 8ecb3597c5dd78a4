using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>
/// A browser visiting both apps: they sit on one host (127.0.0.1, two ports), and a cookie is not bound to a port, so
/// one jar serves both, as it does for two apps behind one domain. Every Set-Cookie is kept for inspection.
/// </summary>
public sealed class Browser : IDisposable
{
    private readonly HttpClient _client = new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false });
    private readonly Dictionary<string, string> _jar = new(StringComparer.Ordinal);

    /// <summary>The Set-Cookie headers of the last response.</summary>
    public IReadOnlyList<string> LastSetCookies { get; private set; } = [];

    /// <summary>The value (as sent on the wire) of <paramref name="name"/> in the jar.</summary>
    public string? Cookie(string name) => _jar.GetValueOrDefault(name);

    public void SetCookie(string name, string value) => _jar[name] = value;

    public Task<JsonObject> GetAsync(Uri app, string path) => SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(app, path)));

    public Task<JsonObject> PostAsync(Uri app, string path, object? body = null) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(app, path)) { Content = JsonContent.Create(body ?? new { }) });

    public void Dispose() => _client.Dispose();

    private async Task<JsonObject> SendAsync(HttpRequestMessage request)
    {
        if (_jar.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", _jar.Select(c => c.Key + "=" + c.Value)));
        }

        using var response = await _client.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}: {body}");
        LastSetCookies = response.Headers.TryGetValues("Set-Cookie", out var values) ? [.. values] : [];
        foreach (var header in LastSetCookies)
        {
            var pair = header.Split(';')[0];
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            _jar[pair[..eq]] = pair[(eq + 1)..];
        }

        return (JsonObject)JsonNode.Parse(body)!;
    }
}
