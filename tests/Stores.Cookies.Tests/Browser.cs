using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.Net.Http.Headers;
using Xunit;

namespace SessionStores.Cookies.Tests;

/// <summary>
/// A browser's cookie jar over plain HTTP: applies every Set-Cookie (a past expiry deletes), sends the jar back, and
/// keeps each response's Set-Cookie headers for the tests to inspect. Cookies can be copied and put back (an old copy
/// of a cookie, a tampered one), which a real browser's jar does not allow.
/// </summary>
public sealed class Browser(HttpClient client) : IDisposable
{
    public Dictionary<string, string> Jar { get; } = new(StringComparer.Ordinal);

    /// <summary>The last response's Set-Cookie headers.</summary>
    public IReadOnlyList<SetCookieHeaderValue> LastSetCookies { get; private set; } = [];

    /// <summary>The last response's raw Set-Cookie header lines.</summary>
    public IReadOnlyList<string> LastSetCookieLines { get; private set; } = [];

    public async Task<HttpResponseMessage> SendAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (Jar.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", Jar.Select(c => c.Key + "=" + c.Value)));
        }

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        LastSetCookieLines = response.Headers.TryGetValues("Set-Cookie", out var lines) ? lines.ToList() : [];
        LastSetCookies = SetCookieHeaderValue.ParseList(LastSetCookieLines.ToList()).ToList();
        foreach (var cookie in LastSetCookies)
        {
            if (cookie.Expires is { } expires && expires < DateTimeOffset.UtcNow)
            {
                Jar.Remove(cookie.Name.ToString());
            }
            else
            {
                Jar[cookie.Name.ToString()] = cookie.Value.ToString();
            }
        }

        return response;
    }

    /// <summary>GET, expecting 200, returning the body.</summary>
    public async Task<string> GetAsync(string path)
    {
        using var response = await SendAsync(path);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {body}");
        return body;
    }

    /// <summary>The session's cookies in the jar (the data cookie and its chunks).</summary>
    public Dictionary<string, string> SessionCookies() =>
        Jar.Where(c => c.Key.StartsWith(CookieSite.DataCookie, StringComparison.Ordinal)).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);

    /// <summary>Replaces the session's cookies with <paramref name="cookies"/> (an old copy).</summary>
    public void RestoreSessionCookies(Dictionary<string, string> cookies)
    {
        foreach (var name in SessionCookies().Keys)
        {
            Jar.Remove(name);
        }

        foreach (var (name, value) in cookies)
        {
            Jar[name] = value;
        }
    }

    /// <summary>Whether the last response deleted <paramref name="name"/>.</summary>
    public bool LastDeleted(string name) => LastSetCookies.Any(c => c.Name == name && c.Expires < DateTimeOffset.UtcNow);

    public void Dispose() => client.Dispose();
}
