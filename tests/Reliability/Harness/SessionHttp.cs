using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Reliability.Harness;

/// <summary>One answer: status (0 when no HTTP answer came), body, how long it took and when it started.</summary>
/// <param name="Status">The HTTP status, or 0 for a transport error or client timeout.</param>
/// <param name="Body">The body (empty on a transport error).</param>
/// <param name="ContentType">The media type, when any.</param>
/// <param name="RetryAfter">The <c>Retry-After</c> header, when any.</param>
/// <param name="Error">The transport error, when any.</param>
/// <param name="StartedAt">When the request started, on the run's clock.</param>
/// <param name="Elapsed">How long until the whole answer was read.</param>
public sealed record Reply(int Status, string Body, string? ContentType, string? RetryAfter, string? Error, TimeSpan StartedAt, TimeSpan Elapsed)
{
    /// <summary>When the answer was complete, on the run's clock.</summary>
    public TimeSpan EndedAt => StartedAt + Elapsed;

    /// <summary>A short description for failure messages.</summary>
    /// <returns>Status, time and the start of the body or error.</returns>
    public override string ToString() =>
        $"{Status} after {Elapsed.TotalMilliseconds:F0} ms at {StartedAt.TotalMilliseconds:F0} ms: {(Error ?? Body).Trim()[..Math.Min((Error ?? Body).Trim().Length, 200)]}";
}

/// <summary>
/// The session cookie of one browser, shared by as many parallel clients as the test wants and valid on every app
/// process of the test (cookies are set by hand, so the port does not matter). Empty until the first answer sets it.
/// </summary>
public sealed class SessionCookie
{
    private string? _value;

    /// <summary>The <c>name=value</c> pair, or <see langword="null"/> before the first answer.</summary>
    public string? Value => Volatile.Read(ref _value);

    internal void Update(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("Set-Cookie", out var cookies)
            && cookies.FirstOrDefault(c => c.StartsWith("demo.sid=", StringComparison.Ordinal)) is { } cookie)
        {
            var pair = cookie.Split(';', 2)[0];
            if (pair.Length > "demo.sid=".Length)
            {
                Volatile.Write(ref _value, pair);
            }
        }
    }
}

/// <summary>An HTTP client for the sample app processes: no cookie handling of its own, a clock for the run.</summary>
public sealed class SessionHttp : IDisposable
{
    private readonly HttpClient _client;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Creates the client.</summary>
    /// <param name="timeout">How long one request may take before it is recorded as status 0.</param>
    public SessionHttp(TimeSpan? timeout = null)
    {
        _client = new HttpClient(new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            MaxConnectionsPerServer = 512,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        })
        {
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>The run's clock (the <see cref="Reply.StartedAt"/> of every reply).</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Sends <c>GET</c> to <paramref name="app"/> with the session cookie; a transport error becomes status 0.</summary>
    /// <param name="app">The app process.</param>
    /// <param name="pathAndQuery">The path.</param>
    /// <param name="cookie">The browser's cookie (updated from the answer), or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The reply.</returns>
    public async Task<Reply> GetAsync(DemoProcess app, string pathAndQuery, SessionCookie? cookie, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(app.BaseAddress, pathAndQuery));
        if (cookie?.Value is { } value)
        {
            request.Headers.Add("Cookie", value);
        }

        var started = _clock.Elapsed;
        try
        {
            using var response = await _client.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            cookie?.Update(response);
            return new Reply(
                (int)response.StatusCode,
                body,
                response.Content.Headers.ContentType?.MediaType,
                response.Headers.RetryAfter?.ToString(),
                null,
                started,
                _clock.Elapsed - started);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new Reply(0, string.Empty, null, null, $"{ex.GetType().Name}: {ex.Message}", started, _clock.Elapsed - started);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();
}
