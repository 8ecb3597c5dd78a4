using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SessionStores.Encryption.Internal;

namespace SessionStores.Encryption;

/// <summary>
/// Encryption at rest for any store: a decorator that seals session data with ASP.NET Core Data Protection before the
/// inner store writes them and opens them after it reads them. Ids, expiry, versions and subjects stay in clear (the
/// inner store needs them to expire, compare and list sessions).
/// </summary>
/// <remarks>
/// <para><b>Binding</b>: data are sealed under the purpose <see cref="SessionStoreEncryptionOptions.Purpose"/> and then
/// the session id, which Data Protection binds into each payload's authenticated data: a record copied to another id
/// does not open there.</para>
/// <para><b>Rotation</b> is Data Protection's: new records are sealed with the key ring's current key, and every key
/// still in the key ring (not revoked) opens the records it sealed.</para>
/// <para><b>A record that does not open</b> (tampered with, copied from another id, sealed with a key no longer in the
/// key ring or revoked, written unencrypted) is absent for the reads that open data: <see cref="GetAsync"/> and
/// <see cref="GetAndTouchAsync"/> return <see langword="null"/> and a listing with data leaves it out, each logged at
/// Warning with the id's <see cref="SessionValidation.Tag"/> only. Operations that open nothing (Touch, Destroy, Count,
/// a listing without data, a compare-and-set against its version) still see it until it expires or is destroyed, so a
/// new write over it works as for any live session.</para>
/// <para><b>Size</b>: a sealed record is exactly <see cref="SealingOverheadBytes"/> larger than its data. A write over
/// <see cref="SessionStoreEncryptionOptions.MaxDataBytes"/> is rejected before anything is sealed or sent; the inner
/// store's own limit must allow that limit + <see cref="SealingOverheadBytes"/> (the defaults do). Listings report the
/// data's size, not the sealed size.</para>
/// <para>Create one with <see cref="Create"/>: it implements <see cref="ISessionLeaseStore"/> exactly when the inner store
/// does, passing leases through (a lease holds no data).</para>
/// </remarks>
public partial class EncryptedSessionStore : ISessionStore, IAsyncDisposable, IDisposable
{
    /// <summary>How many bytes larger a sealed record is than its data.</summary>
    public const int SealingOverheadBytes = SessionSealer.OverheadBytes;

    private readonly SessionSealer _sealer;
    private readonly int _maxDataBytes;
    private readonly ILogger _logger;
    private readonly bool _disposeInner;

    private protected EncryptedSessionStore(
        ISessionStore inner, IDataProtectionProvider dataProtection, SessionStoreEncryptionOptions? options, ILogger<EncryptedSessionStore>? logger, bool disposeInner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(dataProtection);
        options ??= new SessionStoreEncryptionOptions();
        var problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        Inner = inner;
        _sealer = new SessionSealer(dataProtection, options.Purpose);
        _maxDataBytes = options.MaxDataBytes;
        _logger = logger ?? NullLogger<EncryptedSessionStore>.Instance;
        _disposeInner = disposeInner;
    }

    /// <summary>The store that holds the sealed records.</summary>
    public ISessionStore Inner { get; }

    /// <summary>Wraps <paramref name="inner"/>; the result is also an <see cref="ISessionLeaseStore"/> when
    /// <paramref name="inner"/> is one.</summary>
    /// <param name="inner">The store that holds the sealed records.</param>
    /// <param name="dataProtection">Data Protection, whose key ring seals and opens the records.</param>
    /// <param name="options">The purpose and size limit; <see langword="null"/> keeps the defaults.</param>
    /// <param name="logger">Where records that do not open are logged.</param>
    /// <param name="disposeInner">Whether disposing the decorator disposes <paramref name="inner"/> (when the decorator
    /// is its only owner).</param>
    /// <returns>The decorator.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> or <paramref name="dataProtection"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public static EncryptedSessionStore Create(
        ISessionStore inner,
        IDataProtectionProvider dataProtection,
        SessionStoreEncryptionOptions? options = null,
        ILogger<EncryptedSessionStore>? logger = null,
        bool disposeInner = false) =>
        inner is ISessionLeaseStore
            ? new EncryptedLeaseSessionStore(inner, dataProtection, options, logger, disposeInner)
            : new EncryptedSessionStore(inner, dataProtection, options, logger, disposeInner);

    /// <inheritdoc />
    public async Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        Open(await Inner.GetAsync(id, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        Open(await Inner.GetAndTouchAsync(id, ttl, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    /// <remarks>The write is validated against <see cref="SessionStoreEncryptionOptions.MaxDataBytes"/> before anything is
    /// sealed; the inner store receives the sealed data, <see cref="SealingOverheadBytes"/> larger.</remarks>
    public Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateWrite(write, _maxDataBytes);
        return Inner.SetAsync(id, write with { Data = _sealer.Seal(id, write.Data) }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        Inner.TouchAsync(id, ttl, cancellationToken);

    /// <inheritdoc />
    public Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default) =>
        Inner.DestroyAsync(id, cancellationToken);

    /// <summary>Disposes the inner store when the decorator owns it.</summary>
    /// <returns>A task that completes when the inner store is disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposeInner)
        {
            if (Inner is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                (Inner as IDisposable)?.Dispose();
            }
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the inner store when the decorator owns it.</summary>
    public void Dispose()
    {
        if (_disposeInner)
        {
            (Inner as IDisposable)?.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    private SessionRecord? Open(SessionRecord? record)
    {
        if (record is null || Open(record.Id, record.Data) is not { } data)
        {
            return null;
        }

        return new SessionRecord(record.Id, data, record.Version, record.ExpiresAt, record.CreatedAt, record.Subject);
    }

    private byte[]? Open(string id, ReadOnlyMemory<byte> stored)
    {
        var data = _sealer.TryOpen(id, stored, out var failure);
        if (data is null)
        {
            Log.RecordNotOpened(_logger, SessionValidation.Tag(id), SessionValidation.EscapeControlCharacters(failure));
        }

        return data;
    }
}
