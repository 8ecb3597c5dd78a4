using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SessionStores.ExpressCompat.Internal;

namespace SessionStores.ExpressCompat;

/// <summary>
/// What every express-session storage format shares as an <see cref="ISessionStore"/>: argument checks before any I/O,
/// the shared operation runner (deadline, telemetry, one error shape), and the rules no such format can hold.
/// </summary>
/// <remarks>
/// <para>What the formats cannot hold, and so what these stores do not offer (their conformance fixtures declare it,
/// and the kit skips exactly those rules): a version (every live record reads as version 1; a compare-and-set is
/// refused with <see cref="NotSupportedException"/> before any I/O), a subject (refused the same way), a creation time
/// (<see cref="SessionRecord.CreatedAt"/> is <see cref="DateTimeOffset.UnixEpoch"/>), millisecond expiry (the npm
/// stores count whole seconds) and listing (<see cref="ListAsync"/>, <see cref="CountAsync"/> and
/// <see cref="DestroyManyAsync"/> throw <see cref="NotSupportedException"/> once their query is valid).</para>
/// </remarks>
public abstract class ExpressSessionFormatStore : IExpressSessionFormat
{
    private readonly SessionStoreOperationRunner _runner;
    private readonly int _maxDataBytes;

    private protected ExpressSessionFormatStore(SessionStoreBackend backend, SessionStoreOptions options, ILogger? logger)
    {
        _runner = new SessionStoreOperationRunner(backend, options.OperationTimeout, logger ?? NullLogger.Instance);
        _maxDataBytes = options.MaxDataBytes;
    }

    /// <inheritdoc />
    public abstract TimeSpan? TimeToLive(ExpressSessionCookie cookie, DateTimeOffset now);

    /// <inheritdoc />
    public Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return _runner.RunAsync(SessionStoreOperationNames.Get, (Store: this, Id: id), static (s, ct) => s.Store.GetCoreAsync(s.Id, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        return _runner.RunAsync(SessionStoreOperationNames.GetAndTouch, (Store: this, Id: id, Ttl: WholeSeconds(ttl)),
            static (s, ct) => s.Store.GetAndTouchCoreAsync(s.Id, s.Ttl, ct), cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">The write has an expected version or a subject: the format has neither.</exception>
    public Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateWrite(write, _maxDataBytes);
        ExpressFormatLimits.EnsureSupported(write);
        ValidateData(write.Data);
        return _runner.RunAsync(SessionStoreOperationNames.Set, (Store: this, Id: id, write.Data, Ttl: WholeSeconds(write.Ttl)),
            static async (s, ct) =>
            {
                await s.Store.SetCoreAsync(s.Id, s.Data, s.Ttl, ct).ConfigureAwait(false);
                return SessionSetResult.Success(1);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        return _runner.RunAsync(SessionStoreOperationNames.Touch, (Store: this, Id: id, Ttl: WholeSeconds(ttl)),
            static (s, ct) => s.Store.TouchCoreAsync(s.Id, s.Ttl, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        return _runner.RunAsync(SessionStoreOperationNames.Destroy, (Store: this, Id: id), static (s, ct) => s.Store.DestroyCoreAsync(s.Id, ct), cancellationToken);
    }

    /// <summary>Not supported by the express-session storage formats (see the remarks).</summary>
    /// <param name="query">Checked, then unused.</param>
    /// <param name="cancellationToken">Unused.</param>
    /// <returns>Never returns.</returns>
    /// <exception cref="NotSupportedException">Always, once the query is valid.</exception>
    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
        throw ExpressFormatLimits.NoListing(query, nameof(ListAsync));

    /// <summary>Not supported by the express-session storage formats (see the remarks).</summary>
    /// <param name="query">Checked, then unused.</param>
    /// <param name="cancellationToken">Unused.</param>
    /// <returns>Never returns.</returns>
    /// <exception cref="NotSupportedException">Always, once the query is valid.</exception>
    public Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
        throw ExpressFormatLimits.NoListing(query, nameof(CountAsync));

    /// <summary>Not supported by the express-session storage formats (see the remarks).</summary>
    /// <param name="query">Checked, then unused.</param>
    /// <param name="cancellationToken">Unused.</param>
    /// <returns>Never returns.</returns>
    /// <exception cref="NotSupportedException">Always, once the query is valid.</exception>
    public Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
        throw ExpressFormatLimits.NoListing(query, nameof(DestroyManyAsync));

    /// <summary>connect-redis and connect-pg-simple's rule: until the cookie's <c>expires</c>, rounded up to whole seconds
    /// (null once past), else the store's own ttl.</summary>
    private protected static TimeSpan? CookieOrStoreTtl(ExpressSessionCookie cookie, DateTimeOffset now, TimeSpan storeTtl)
    {
        if (cookie.Expires is not { } expires)
        {
            return storeTtl;
        }

        var seconds = (long)Math.Ceiling((expires - now).TotalMilliseconds / 1000);
        return seconds > 0 ? TimeSpan.FromSeconds(seconds) : null;
    }

    /// <summary>Rejects, before any I/O, data the format cannot hold (a json column needs JSON).</summary>
    private protected virtual void ValidateData(ReadOnlyMemory<byte> data)
    {
    }

    private protected abstract Task<SessionRecord?> GetCoreAsync(string id, CancellationToken cancellationToken);

    /// <summary>The read plus a new expiry of <paramref name="ttlMs"/> (whole seconds) from now.</summary>
    private protected abstract Task<SessionRecord?> GetAndTouchCoreAsync(string id, long ttlMs, CancellationToken cancellationToken);

    private protected abstract Task SetCoreAsync(string id, ReadOnlyMemory<byte> data, long ttlMs, CancellationToken cancellationToken);

    private protected abstract Task<bool> TouchCoreAsync(string id, long ttlMs, CancellationToken cancellationToken);

    private protected abstract Task<bool> DestroyCoreAsync(string id, CancellationToken cancellationToken);

    /// <summary>The npm stores count whole seconds: a TTL is rounded up to the next one (in milliseconds).</summary>
    private static long WholeSeconds(TimeSpan ttl) => (SessionValidation.ToMilliseconds(ttl) + 999) / 1000 * 1000;
}
