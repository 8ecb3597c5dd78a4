using System;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using SessionStores.AspNetCore.Internal;

namespace SessionStores.Cookies.Internal;

/// <summary>
/// One request's view of a cookie session. Its content comes from the request's cookie (decrypted, authenticated, and
/// checked against the idle and absolute timeouts and the subject's revocation generation); a cookie that fails any
/// check is logged and the request starts with a new empty session. The values and change tracking are the
/// store-backed session's (<see cref="ValueSession"/>); the commit (<c>CookieSession.Commit.cs</c>) sets the cookie
/// before the response's first byte, through the integration's commit-before-response path.
/// </summary>
internal sealed partial class CookieSession : RequestCommittedSession, ISession, IExtendedSession
{
    private readonly Settings _settings;
    private readonly TimeSpan _idleTimeout;

    private string _id = "";
    private string? _loadedSubject;
    private long _generation;
    private bool _touchDue;
    private bool _idChanged;
    private bool _deleteCookie;

    public CookieSession(Settings settings, TimeSpan idleTimeout, SessionRequestScope? scope)
        : base(scope, settings.Integration)
    {
        _settings = settings;
        _idleTimeout = idleTimeout;
    }

    /// <summary>The session's id, carried in its payload (a new session gets a random one).</summary>
    public string Id
    {
        get
        {
            EnsureReadable();
            return _id;
        }
    }

    private HttpContext Context => Scope?.Context
        ?? throw new InvalidOperationException("A cookie session is only available during a request, inside the middleware AddCookieSession adds.");

    public async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        if (Status != LoadState.NotLoaded)
        {
            return;
        }

        var cookie = ReadCookie();
        if (cookie is { Content.Subject: { } subject } && _settings.Revocation.IsEnabled)
        {
            var current = await _settings.Revocation.CurrentGenerationAsync(subject, cancellationToken).ConfigureAwait(false);
            if (cookie.Value.Content.Generation < current)
            {
                Log.SessionRevoked(_settings.Logger, SessionValidation.Tag(cookie.Value.Content.Id));
                _deleteCookie = true;
                cookie = null;
            }
        }

        Apply(cookie);
    }

    /// <summary>A new random id for the session; the cookie is rewritten at commit. Old copies of the cookie keep their
    /// old content (a cookie cannot be recalled: that is what revocation is for).</summary>
    public string RegenerateId()
    {
        EnsureWritable();
        _id = CookiePayload.NewId();
        _idChanged = true;
        return _id;
    }

    /// <summary>Deletes the session's cookie(s) now; later writes in this request throw. Old copies of the cookie stay
    /// valid until they expire (use <see cref="CookieSessionRevocation"/> to end them).</summary>
    public Task DestroyAsync(CancellationToken cancellationToken = default)
    {
        var context = Context;
        if (context.Response.HasStarted)
        {
            throw new InvalidOperationException("A cookie session cannot be destroyed after the response has started: its cookies could not be deleted.");
        }

        _settings.Cookies.Delete(context);
        Status = LoadState.Destroyed;
        _values.Discard();
        _touchDue = false;
        _deleteCookie = false;
        return Task.CompletedTask;
    }

    /// <summary>The request's cookie, decoded and within its timeouts; <see langword="null"/> when there is none or it
    /// was rejected (logged, and marked for deletion). No I/O.</summary>
    private CookiePayload.Decoded? ReadCookie()
    {
        var context = Context;
        CookiePayload.Decoded cookie;
        try
        {
            if (_settings.Cookies.Read(context) is not { } payload)
            {
                return null;
            }

            cookie = CookiePayload.Decode(payload);
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException or SessionDataCorruptedException)
        {
            // Tampered, truncated, protected with a key the key ring does not have (or has revoked), or of a later format.
            Log.CookieUnreadable(_settings.Logger, ex.GetType().Name, ex);
            _deleteCookie = true;
            return null;
        }

        var now = _settings.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var expired = _settings.AbsoluteTimeout is { } absolute && cookie.CreatedAtMs + (long)absolute.TotalMilliseconds <= now ? "absolute"
            : cookie.Content.LastWriteMs + (long)_idleTimeout.TotalMilliseconds <= now ? "idle"
            : null;
        if (expired is not null)
        {
            Log.SessionExpired(_settings.Logger, SessionValidation.Tag(cookie.Content.Id), expired);
            _deleteCookie = true;
            return null;
        }

        return cookie;
    }

    private void Apply(CookiePayload.Decoded? cookie)
    {
        if (cookie is { } c)
        {
            _values.Load(new SessionValues.Content(c.Content.Version, c.Values, c.Content.Subject, c.CreatedAtMs));
            _id = c.Content.Id;
            _loadedSubject = c.Content.Subject;
            _generation = c.Content.Generation;
            _touchDue = _settings.Time.GetUtcNow().ToUnixTimeMilliseconds() - c.Content.LastWriteMs >= (long)_settings.TouchThreshold.TotalMilliseconds;
        }
        else
        {
            StartEmpty();
        }

        Status = LoadState.Loaded;
        RegisterCommitHook();
    }

    private void StartEmpty()
    {
        _values.StartEmpty(_settings.Time.GetUtcNow().ToUnixTimeMilliseconds());
        _id = CookiePayload.NewId();
        _loadedSubject = null;
        _generation = 0;
        _touchDue = false;
    }

    /// <summary>Loads on first access when that needs no I/O (no revocation store), as the built-in session does; with
    /// a revocation store the load reads it, so it must be <see cref="LoadAsync"/>.</summary>
    private protected override void EnsureReadable()
    {
        if (Status != LoadState.NotLoaded)
        {
            return;
        }

        if (_settings.Revocation.IsEnabled)
        {
            throw new InvalidOperationException(
                "The session has not been loaded. Call 'await HttpContext.Session.LoadAsync()' before using it: with CookieSessionOptions.RevocationStore set, loading reads the store, which is never done synchronously.");
        }

        Apply(ReadCookie());
    }

    private protected override void EnsureWritable()
    {
        EnsureReadable();
        if (Status == LoadState.Destroyed)
        {
            throw new InvalidOperationException("This session was destroyed in this request; it cannot be written any more.");
        }

        if (CommitFailure is not null)
        {
            throw new InvalidOperationException("Committing this session failed earlier in this request; it cannot be written any more.", CommitFailure);
        }

        if (Context.Response.HasStarted)
        {
            throw new InvalidOperationException("A cookie session cannot be changed after the response has started: it travels in the response's headers.");
        }
    }
}
