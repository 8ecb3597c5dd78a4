using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// One request's view of one session. It loads asynchronously (never synchronously: an access before
/// <see cref="LoadAsync"/> throws), decides when the session may be read and written, keeps its content and this
/// request's changes in <see cref="SessionValues"/>, and commits with compare-and-set (see
/// <c>StoreBackedSession.Commit.cs</c>).
/// </summary>
internal sealed partial class StoreBackedSession : ValueSession, ISession, IExtendedSession, IResponseCommit
{
    private readonly Settings _settings;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeSpan _ioTimeout;
    private readonly Func<bool> _tryEstablishSession;
    private readonly bool _isNewSessionKey;
    private readonly SessionRequestScope? _scope;
    private string _key;

    private State _state;
    private bool _established;
    private bool _touchDue;
    private Exception? _commitFailure;
    private SessionTurn? _turn;
    private PreviousId? _previous;

    public StoreBackedSession(Settings settings, string key, TimeSpan idleTimeout, TimeSpan ioTimeout, Func<bool> tryEstablishSession, bool isNewSessionKey, SessionRequestScope? scope)
    {
        _settings = settings;
        _key = key;
        _idleTimeout = idleTimeout;
        _ioTimeout = ioTimeout;
        _tryEstablishSession = tryEstablishSession;
        _isNewSessionKey = isNewSessionKey;
        _keyIsFresh = isNewSessionKey;
        _scope = scope;
    }

    private enum State
    {
        NotLoaded,
        Loaded,
        Unavailable,
        Destroyed,
    }

    /// <summary>Whether the session loaded and can be written (false before <see cref="LoadAsync"/>, in degraded mode
    /// and after destroy). Never causes I/O.</summary>
    public bool IsAvailable => _state == State.Loaded;

    /// <summary>The session key, which is also the id in the store (unlike the built-in session's second GUID), so the
    /// admin listing and the application speak of the same id.</summary>
    public string Id => _key;

    public async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        if (_state != State.NotLoaded)
        {
            return;
        }

        if (_isNewSessionKey)
        {
            // The middleware just generated this key: nothing can be stored under it, so no round trip is needed.
            StartEmpty();
            _state = State.Loaded;
            RegisterCommitHook();
            return;
        }

        try
        {
            if (TakesTurn && _scope?.DeferredCommit?.HoldsTurnFor(_key) != true)
            {
                // Requests of this session that may write run one at a time (in arrival order): this one loads after the
                // previous one committed, so its commit finds the version it loaded. A client that went away leaves the
                // queue (most applications call LoadAsync without a token). (Not when this same request already holds the
                // turn: an error page re-executed after a sign-in whose commit waits for the pipeline's outcome.)
                var wait = cancellationToken.CanBeCanceled ? cancellationToken : _scope?.Context.RequestAborted ?? default;
                var turn = await SessionTurn.TakeAsync(_settings, _key, wait).ConfigureAwait(false);
                while (turn.MovedTo is { } movedTo)
                {
                    // The session moved while this request queued: pass the new id on at once (those behind follow
                    // too), then queue on the new id like any request that carries its cookie.
                    turn.HandOver(movedTo);
                    await turn.EndAsync().ConfigureAwait(false);
                    FollowMove(movedTo);
                    turn = await SessionTurn.TakeAsync(_settings, _key, wait).ConfigureAwait(false);
                }

                if (_scope is not null)
                {
                    _scope.Turn = turn;
                }

                _turn = turn;
            }

            var record = await WithIoTimeout(
                static (s, ct) => s._settings.Options.TouchThreshold is null
                    ? s._settings.Store.GetAndTouchAsync(s._key, s._idleTimeout, ct)
                    : s._settings.Store.GetAsync(s._key, ct),
                "loading",
                cancellationToken).ConfigureAwait(false);
            await ApplyLoadedAsync(record, cancellationToken).ConfigureAwait(false);
            if (record is not null && _values.Version > 0 && _settings.Options.TouchThreshold is null && SlideTtl() is var capped && capped < _idleTimeout)
            {
                await PullExpiryBackAsync(capped, cancellationToken).ConfigureAwait(false);
            }

            _state = State.Loaded;
        }
        catch (SessionDataCorruptedException ex) when (_settings.Options.DiscardUnreadableSessions)
        {
            Log.UnreadableDiscarded(_settings.Logger, SessionValidation.Tag(_key), ex);
            try
            {
                await WithIoTimeout(static (s, ct) => s._settings.Store.DestroyAsync(s._key, ct), "destroying", cancellationToken).ConfigureAwait(false);
            }
            catch (SessionStoreException destroyFailure) when (destroyFailure is not SessionDataCorruptedException && _settings.Options.FailureMode == SessionStoreFailureMode.ReadOnlyWhenUnavailable)
            {
                DegradeToReadOnly(destroyFailure);
                return;
            }

            StartAfresh();
            _state = State.Loaded;
        }
        catch (SessionStoreException ex) when (ex is not SessionDataCorruptedException and not SessionBusyException && _settings.Options.FailureMode == SessionStoreFailureMode.ReadOnlyWhenUnavailable)
        {
            _turn?.StoreFailed(ex);
            await EndTurnAsync().ConfigureAwait(false);
            DegradeToReadOnly(ex);
            return;
        }
        catch (Exception ex)
        {
            _turn?.StoreFailed(ex);
            await EndTurnAsync().ConfigureAwait(false);
            throw;
        }

        RegisterCommitHook();
    }

    private void DegradeToReadOnly(SessionStoreException failure)
    {
        Log.LoadDegraded(_settings.Logger, SessionValidation.Tag(_key), failure);
        StartEmpty();
        _state = State.Unavailable;
    }

    /// <summary>
    /// The load slid the expiry by the idle timeout, past the absolute deadline: pull it back (one more round trip, only
    /// in the last idle window of a session's life), so the store forgets the session on time. Best effort: the data is
    /// already loaded, so a failure here is logged and the request goes on; the load's own read decides the request.
    /// </summary>
    private async Task PullExpiryBackAsync(TimeSpan capped, CancellationToken cancellationToken)
    {
        try
        {
            await WithIoTimeout((s, ct) => s._settings.Store.TouchAsync(s._key, capped, ct), "touching", cancellationToken).ConfigureAwait(false);
        }
        catch (SessionStoreException ex) when (ex is not SessionDataCorruptedException)
        {
            Log.DeadlineTouchFailed(_settings.Logger, SessionValidation.Tag(_key), ex);
        }
    }

    /// <summary>Deletes the stored session and the cookie; later writes in this request throw.</summary>
    public async Task DestroyAsync(CancellationToken cancellationToken = default)
    {
        if (_previous is { } previous)
        {
            await WithIoTimeout(previous.Key, static (s, key, ct) => s._settings.Store.DestroyAsync(key, ct), "destroying", cancellationToken).ConfigureAwait(false);
            ForgetPreviousId();
        }

        await WithIoTimeout(static (s, ct) => s._settings.Store.DestroyAsync(s._key, ct), "destroying", cancellationToken).ConfigureAwait(false);
        _state = State.Destroyed;
        _values.Discard();
        _touchDue = false;
        if (_scope?.Context is { Response.HasStarted: false } context)
        {
            // The deletion carries the cookie's own attributes (path, domain, Secure, SameSite): browsers ignore a delete
            // of a __Host-/__Secure- or SameSite=None cookie that lacks them.
            var cookie = _settings.SessionOptions.Cookie;
            context.Response.Cookies.Delete(cookie.Name!, cookie.Build(context));
        }
    }

    private async Task ApplyLoadedAsync(SessionRecord? record, CancellationToken cancellationToken)
    {
        if (record is null)
        {
            StartAfresh();
            return;
        }

        var loaded = SessionValues.Read(_key, record);
        var nowMs = _settings.Time.GetUtcNow().ToUnixTimeMilliseconds();
        if (_settings.Options.AbsoluteTimeout is { } absolute && loaded.CreatedAtMs + (long)absolute.TotalMilliseconds <= nowMs)
        {
            // Past its absolute lifetime: the stored session goes, and this request starts afresh (under a new id once it
            // writes).
            await WithIoTimeout(static (s, ct) => s._settings.Store.DestroyAsync(s._key, ct), "destroying", cancellationToken).ConfigureAwait(false);
            Log.AbsoluteExpired(_settings.Logger, SessionValidation.Tag(_key));
            StartAfresh();
            return;
        }

        _values.Load(loaded);

        if (_settings.Options.TouchThreshold is { } threshold)
        {
            // Due when a slide now would move the expiry by at least the threshold (never past the absolute deadline, so
            // a session already expiring at its deadline is not touched again and again).
            _touchDue = _settings.Time.GetUtcNow() + SlideTtl() - record.ExpiresAt >= threshold;
        }
    }

    /// <summary>The TTL a slide may give: the idle timeout, but never past the absolute deadline (at least 1 ms).</summary>
    private TimeSpan SlideTtl() =>
        RemainingLifetime() is not { } remaining || remaining >= _idleTimeout ? _idleTimeout
        : remaining > TimeSpan.FromMilliseconds(1) ? remaining : TimeSpan.FromMilliseconds(1);

    /// <summary>The time left until the absolute deadline, or <see langword="null"/> without an absolute timeout.</summary>
    private TimeSpan? RemainingLifetime() =>
        _settings.Options.AbsoluteTimeout is { } absolute
            ? DateTimeOffset.FromUnixTimeMilliseconds(_values.CreatedAtMs) + absolute - _settings.Time.GetUtcNow()
            : null;

    private void StartEmpty() => _values.StartEmpty(_settings.Time.GetUtcNow().ToUnixTimeMilliseconds());

    private void RegisterCommitHook()
    {
        if (_settings.Options.CommitBeforeResponse && _scope is { Context.Response.HasStarted: false } scope)
        {
            // The first write of the body commits (and answers a failure with a problem instead of the endpoint's body);
            // OnStarting is the fallback for a response started another way.
            scope.Body ??= CommitOnFirstWriteStream.Install(scope.Context, this, _settings.Options);
            scope.Context.Response.OnStarting(static state => ((StoreBackedSession)state).CommitOnStartingAsync(), this);
        }
    }

    private protected override void EnsureReadable()
    {
        if (_state == State.NotLoaded)
        {
            throw NotLoaded();
        }
    }

    private protected override void EnsureWritable()
    {
        switch (_state)
        {
            case State.NotLoaded:
                throw NotLoaded();
            case State.Unavailable:
                throw new InvalidOperationException(
                    "The session store was unavailable when this session loaded (SessionStoreFailureMode.ReadOnlyWhenUnavailable); the session is read-only for this request and the change was not made.");
            case State.Destroyed:
                throw new InvalidOperationException("This session was destroyed in this request; it cannot be written any more.");
        }

        if (_commitFailure is not null)
        {
            // The application's own CommitAsync failed earlier in this request; a later change would be lost silently.
            throw new InvalidOperationException("Committing this session failed earlier in this request; it cannot be written any more.", _commitFailure);
        }

        MoveToFreshIdIfDue();

        if (_isNewSessionKey && !_established)
        {
            // As the built-in session: a new session needs its cookie, which can only be set before the response starts.
            if (!_tryEstablishSession())
            {
                throw new InvalidOperationException("The session cannot be established after the response has started.");
            }

            _established = true;
        }
    }

    private static InvalidOperationException NotLoaded() => new(
        "The session has not been loaded. Call 'await HttpContext.Session.LoadAsync()' before using it: this session never loads synchronously (no blocking I/O on request threads).");
}
