using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SessionStores.AspNetCore;
using SessionStores.AspNetCore.Internal;

namespace SessionStores.ExpressCompat.Internal;

/// <summary>
/// One request's view of a session that an Express app shares: the id comes from express-session's signed cookie, the
/// content from the registered <see cref="IExpressSessionFormat"/> store (its values are the session's JSON properties,
/// the <c>cookie</c> property aside), and the commit (<c>ExpressSession.Commit.cs</c>) saves, touches and sets the cookie
/// by express-session's rules. Values and change tracking are the integration's (<see cref="ValueSession"/>, through <see cref="RequestCommittedSession"/>).
/// </summary>
internal sealed partial class ExpressSession : RequestCommittedSession, ISession, IExtendedSession
{
    private readonly Settings _settings;

    private string _id = "";
    private string? _cookieId;
    private string? _replacedId;
    private ExpressSessionDocument? _document;
    private bool _committedOnce;

    public ExpressSession(Settings settings, SessionRequestScope? scope)
        : base(scope, settings.Integration)
    {
        _settings = settings;
    }

    /// <summary>express-session's <c>req.sessionID</c>.</summary>
    public string Id
    {
        get
        {
            EnsureReadable();
            return _id;
        }
    }

    private HttpContext Context => Scope?.Context
        ?? throw new InvalidOperationException("An Express session is only available during a request, inside the middleware AddExpressSession adds.");

    public async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        if (Status != LoadState.NotLoaded)
        {
            return;
        }

        _cookieId = _settings.Cookies.Read(Context, out var badSignature);
        if (badSignature)
        {
            // Tampered, or signed with a secret no longer listed: express-session treats it as no cookie at all.
            Log.CookieSignatureInvalid(_settings.Logger);
        }

        if (_cookieId is not null && await _settings.Store.GetAsync(_cookieId, cancellationToken).ConfigureAwait(false) is { } record)
        {
            _document = ExpressSessionDocument.Parse(_cookieId, record.Data.Span);
            _values.Load(new SessionValues.Content(record.Version, _document.Values(), null, 0));
            _id = _cookieId;
        }
        else
        {
            Generate();
        }

        Status = LoadState.Loaded;
        RegisterCommitHook();
    }

    /// <summary>Not supported: an Express session has no subject (keep the user id as a value).</summary>
    void IExtendedSession.SetSubject(string? subject) => throw new NotSupportedException(
        "An Express session keeps no subject; store the user id as a session value (session.SetJson(\"userId\", id)).");

    /// <summary>A new id for the session (after sign-in); the values move with it, the old id is destroyed at commit and
    /// the cookie is set anew, as express-session's <c>req.session.regenerate</c> does (which also empties it).</summary>
    public string RegenerateId()
    {
        EnsureWritable();
        if (_cookieId == _id)
        {
            _replacedId = _id;
        }

        _id = NewId();
        _values.MoveToNewId();
        return _id;
    }

    /// <summary>Deletes the session from the store now, as <c>req.session.destroy()</c> does; later writes in this
    /// request throw. The cookie stays, as with express-session: it names a session that no longer exists.</summary>
    public async Task DestroyAsync(CancellationToken cancellationToken = default)
    {
        EnsureWritable();
        if (_cookieId == _id)
        {
            await _settings.Store.DestroyAsync(_id, cancellationToken).ConfigureAwait(false);
        }

        Status = LoadState.Destroyed;
        _values.Discard();
    }

    /// <summary>express-session's id: 24 random bytes, base64url (uid-safe), 32 characters.</summary>
    internal static string NewId() => Base64Url(RandomNumberGenerator.GetBytes(24));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private void Generate()
    {
        var now = _settings.Time.GetUtcNow();
        _id = NewId();
        _document = ExpressSessionDocument.New(_settings.Options, now);
        _values.StartEmpty(now.ToUnixTimeMilliseconds());
    }

    void ISession.Set(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ExpressSessionDocument.ValidateValue(key, value);
        Set(key, value);
    }

    private protected override void EnsureReadable()
    {
        if (Status == LoadState.NotLoaded)
        {
            throw new InvalidOperationException(
                "The Express session has not been loaded. Call 'await HttpContext.Session.LoadAsync()' before using it: loading reads the store, which is never done synchronously.");
        }
    }

    private protected override void EnsureWritable()
    {
        EnsureReadable();
        if (Status == LoadState.Destroyed)
        {
            throw new InvalidOperationException("This session was destroyed in this request; it cannot be written any more.");
        }
    }

    private Dictionary<string, byte[]> CurrentValues()
    {
        var values = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var key in _values.Keys)
        {
            if (_values.TryGetValue(key, out var value))
            {
                values[key] = value;
            }
        }

        return values;
    }

    /// <summary>What every session of the application shares.</summary>
    internal sealed record Settings(
        ExpressCookies Cookies,
        IExpressSessionFormat Store,
        ExpressSessionOptions Options,
        StoreBackedSessionOptions Integration,
        TimeProvider Time,
        ILogger Logger);
}
