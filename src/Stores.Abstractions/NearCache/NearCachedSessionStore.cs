using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SessionStores;

/// <summary>
/// A near cache in front of any store that has an invalidation feed (<see cref="ISessionInvalidationSource"/>): recently
/// used sessions (data, version, expiry) stay in this process's memory, bounded in bytes, and are dropped as soon as the
/// feed announces that any process changed them. A read-modify-write then costs one round trip (the compare-and-set
/// write) and a read-only request none.
/// </summary>
/// <remarks>
/// <para><b>What is served from memory</b>: <see cref="GetAndTouchAsync"/>, from a session this process read with a
/// sliding read or wrote over such a read; <see cref="GetAsync"/>, from a session this process read from the store and
/// whose expiry nothing moved since (so it returns exactly what the store would). Everything else goes to the store.
/// Writes always go to the store; a successful compare-and-set over the cached version updates the cached copy (this
/// process knows the version it wrote), and any other outcome (a conflict, a failure) drops it, so the caller's re-read
/// comes from the store.</para>
/// <para><b>Sliding expiry is lazy</b>: a sliding read served from memory touches the store only once less than
/// <see cref="SessionStoreNearCacheOptions.TouchThresholdRatio"/> of the TTL remains on the expiry the cache knows of,
/// in the background (touches pending together are sent together); a failed touch is logged and drops the entry. Close
/// to that expiry, or when the read would shorten it, the read goes to the store.</para>
/// <para><b>The feed</b>: while it is lost (a disconnect, a missed heartbeat), the cache is empty and every call goes to
/// the store; once it is back, the cache starts empty again. Each loss and return is logged. Entries are also dropped
/// after <see cref="SessionStoreNearCacheOptions.MaxEntryAge"/> whatever the feed said, and never outlive the expiry the
/// cache knows of. What the feed does not announce (a session evicted by the server's memory policy, an expiry moved by
/// another process's touch) is therefore seen within that age, and a compare-and-set against a vanished version fails
/// and is merged by the caller as usual: nothing written is lost.</para>
/// <para>Create one with <see cref="Create"/>: it implements <see cref="ISessionLeaseStore"/> exactly when the inner store
/// does, passing leases through.</para>
/// </remarks>
public partial class NearCachedSessionStore : ISessionStore, IAsyncDisposable, IDisposable
{
    private readonly NearCacheTable _table;
    private readonly double _touchRatio;
    private readonly ILogger _logger;
    private readonly bool _disposeInner;
    private readonly CancellationTokenSource _stopping = new();
    private long _hits;
    private long _misses;
    private long _announcements;
    private int _disposed;

    private protected NearCachedSessionStore(
        ISessionStore inner, ISessionInvalidationSource invalidations, SessionStoreNearCacheOptions? options, ILogger? logger, TimeProvider? timeProvider, bool disposeInner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(invalidations);
        options ??= new SessionStoreNearCacheOptions();
        var problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        Inner = inner;
        _table = new NearCacheTable(options.MaxBytes, options.MaxEntryAge, timeProvider ?? TimeProvider.System);
        _touchRatio = options.TouchThresholdRatio;
        _logger = logger ?? NullLogger.Instance;
        _disposeInner = disposeInner;
        Time = timeProvider ?? TimeProvider.System;
        _touches = StartTouchesAsync(_stopping.Token);
        _feed = KeepSubscribedAsync(invalidations, _stopping.Token);
    }

    /// <summary>The store behind the cache.</summary>
    public ISessionStore Inner { get; }

    private TimeProvider Time { get; }

    /// <summary>Wraps <paramref name="inner"/>; the result is also an <see cref="ISessionLeaseStore"/> when
    /// <paramref name="inner"/> is one. It subscribes to <paramref name="invalidations"/> at once and serves nothing from
    /// memory until the feed is live.</summary>
    /// <param name="inner">The store.</param>
    /// <param name="invalidations">Its invalidation feed (usually the same object as <paramref name="inner"/>).</param>
    /// <param name="options">Size, age and touch options; <see langword="null"/> keeps the defaults.</param>
    /// <param name="logger">Where feed losses and failed background touches are logged.</param>
    /// <param name="timeProvider">The clock of entry ages and known expiries; <see langword="null"/> for the system clock.</param>
    /// <param name="disposeInner">Whether disposing the cache disposes <paramref name="inner"/>.</param>
    /// <returns>The cache.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> or <paramref name="invalidations"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public static NearCachedSessionStore Create(
        ISessionStore inner,
        ISessionInvalidationSource invalidations,
        SessionStoreNearCacheOptions? options = null,
        ILogger<NearCachedSessionStore>? logger = null,
        TimeProvider? timeProvider = null,
        bool disposeInner = false) =>
        inner is ISessionLeaseStore
            ? new NearCachedLeaseSessionStore(inner, invalidations, options, logger, timeProvider, disposeInner)
            : new NearCachedSessionStore(inner, invalidations, options, logger, timeProvider, disposeInner);

    // Drops this process's copy of the session: its next read goes to the store.
    private protected void Forget(string id) => _table.Remove(id);

    /// <summary>What the cache holds and has done so far.</summary>
    /// <returns>A snapshot.</returns>
    public NearCacheStatistics GetStatistics() =>
        new(Interlocked.Read(ref _hits), Interlocked.Read(ref _misses), _table.Count, _table.Bytes, _table.IsAvailable, Interlocked.Read(ref _announcements));

    /// <inheritdoc />
    public async Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        if (_table.Find(id, _table.Now()) is { Exact: { } exact })
        {
            Hit(SessionStoreOperationNames.Get);
            return exact;
        }

        Miss(SessionStoreOperationNames.Get);
        return await Inner.GetAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        var now = _table.Now();
        if (_table.Find(id, now) is { } entry && ServeSliding(entry, ttl, now) is { } served)
        {
            Hit(SessionStoreOperationNames.GetAndTouch);
            return served;
        }

        Miss(SessionStoreOperationNames.GetAndTouch);
        await WithdrawTouchAsync(id, cancellationToken).ConfigureAwait(false);
        var captured = _table.Capture();
        var sent = _table.Now();
        var sentWall = Time.GetUtcNow();
        SessionRecord? record;
        try
        {
            record = await Inner.GetAndTouchAsync(id, ttl, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The touch may or may not have happened: the expiry this process knows of may be wrong either way.
            _table.Remove(id);
            throw;
        }

        if (record is null)
        {
            _table.Remove(id);
            return null;
        }

        _table.Put(
            new NearCacheEntry(id, record.Data, record.Version, record.Subject, record.CreatedAt, record, sent + _table.TtlTicks(ttl),
                record.ExpiresAt - TimeSpan.FromMilliseconds(SessionValidation.ToMilliseconds(ttl)) - sentWall, sent),
            captured);
        return record;
    }

    /// <summary>The record a sliding read returns from <paramref name="entry"/>, or <see langword="null"/> when it must go
    /// to the store (too close to the known expiry, or it would shorten it); schedules the background touch when due.</summary>
    private SessionRecord? ServeSliding(NearCacheEntry entry, TimeSpan ttl, long now)
    {
        var ttlMs = SessionValidation.ToMilliseconds(ttl);
        var remaining = entry.StoredUntil - now;
        var wanted = _table.TtlTicks(ttl);
        var threshold = (long)(wanted * _touchRatio);
        if (remaining > wanted || remaining < threshold / 2)
        {
            return null;
        }

        if (remaining < threshold)
        {
            ScheduleTouch(entry, ttl);
        }

        var serverNow = (Time.GetUtcNow() + entry.ServerClockOffset).ToUnixTimeMilliseconds();
        return new SessionRecord(entry.Id, entry.Data, entry.Version, DateTimeOffset.FromUnixTimeMilliseconds(serverNow + ttlMs), entry.CreatedAt, entry.Subject);
    }

    /// <inheritdoc />
    public async Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        await WithdrawTouchAsync(id, cancellationToken).ConfigureAwait(false);
        var captured = _table.Capture();
        var sent = _table.Now();
        var before = _table.Find(id, sent);
        SessionSetResult result;
        try
        {
            result = await Inner.SetAsync(id, write, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The write may or may not have happened.
            _table.Remove(id);
            throw;
        }

        if (result.Succeeded && before is not null && result.Version == before.Version + 1 && write.ExpectedVersion is null or > 0)
        {
            // This process holds the session's latest version: the one it just wrote over the one it had.
            var after = before with
            {
                Data = write.Data.ToArray(),
                Version = result.Version,
                Subject = write.Subject,
                Exact = null,
                StoredUntil = sent + _table.TtlTicks(write.Ttl),
                CachedAt = sent,
            };
            if (_table.Put(after, captured))
            {
                return result;
            }
        }

        // A conflict (the cached version, if any, is stale), or a write whose predecessor this process did not hold.
        _table.Invalidate(id, result.Version);
        return result;
    }

    /// <inheritdoc />
    public async Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        await WithdrawTouchAsync(id, cancellationToken).ConfigureAwait(false);
        try
        {
            return await Inner.TouchAsync(id, ttl, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Whatever the outcome, the entry goes and loads already under way store nothing: a sliding read sent before
            // this touch may answer after it with the older, longer expiry, and a touch may shorten the expiry. The
            // integration touches in the foreground only in a session's last idle window (or with a touch threshold).
            _table.Remove(id);
        }
    }

    /// <summary>The store's copy of <paramref name="id"/> was touched: the entry's known expiry moves (a touch can also
    /// shorten it), and plain reads go to the store again for its exact new expiry.</summary>
    private void Touched(string id, long version, long sent, TimeSpan ttl)
    {
        var until = sent + _table.TtlTicks(ttl);
        _table.Update(id, version, e => e with { Exact = null, StoredUntil = until });
    }

    /// <inheritdoc />
    public async Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        await WithdrawTouchAsync(id, cancellationToken).ConfigureAwait(false);
        try
        {
            return await Inner.DestroyAsync(id, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _table.Remove(id);
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
        Inner.ListAsync(query, cancellationToken);

    /// <inheritdoc />
    public Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
        Inner.CountAsync(query, cancellationToken);

    /// <inheritdoc />
    public async Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        try
        {
            return await Inner.DestroyManyAsync(query, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _table.Flush();
        }
    }

    private void Hit(string operation)
    {
        Interlocked.Increment(ref _hits);
        NearCacheMetrics.Hit(operation);
    }

    private void Miss(string operation)
    {
        Interlocked.Increment(ref _misses);
        NearCacheMetrics.Miss(operation, _table.IsAvailable);
    }
}
