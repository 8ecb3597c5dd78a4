using System;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Cookies;

/// <summary>
/// "Sign out everywhere" for cookie sessions, which live in the browsers and so cannot be listed or destroyed on the
/// server. Each subject (user id) has a generation number kept in <see cref="CookieSessionOptions.RevocationStore"/>; a
/// session bound to the subject carries the generation current when it was bound, and a session whose generation is
/// older than the subject's current one starts empty at its next request. Registered by <c>AddCookieSession</c>.
/// </summary>
/// <remarks>
/// A generation is a number that only grows: the next one is the larger of the current one plus one and the current
/// time in Unix milliseconds, so that a subject whose record expired (it is kept for
/// <see cref="CookieSessionOptions.AbsoluteTimeout"/> after its last change, when every cookie bound before that change
/// has expired) still gets a generation above any that a live cookie carries. Clocks of the application's instances
/// must agree to well within the absolute timeout.
/// </remarks>
public sealed class CookieSessionRevocation
{
    /// <summary>The prefix of the revocation records' ids in the store (then base64url of the subject's SHA-256).</summary>
    public const string IdPrefix = "cookie-revocation.";

    private const int MaxAttempts = 16;

    private readonly ISessionStore? _store;
    private readonly TimeSpan _keep;
    private readonly TimeProvider _time;

    internal CookieSessionRevocation(CookieSessionOptions options, TimeProvider time)
    {
        _store = options.RevocationStore;
        _keep = options.AbsoluteTimeout ?? SessionLimits.MaxTtl;
        _time = time;
    }

    /// <summary>Whether a revocation store is configured (<see cref="CookieSessionOptions.RevocationStore"/>).</summary>
    public bool IsEnabled => _store is not null;

    /// <summary>
    /// Ends every cookie session bound to <paramref name="subject"/> so far, on every device: each starts empty at its
    /// next request. Sessions bound to the subject afterwards (a new sign-in) are not affected.
    /// </summary>
    /// <param name="subject">The subject (user id) the sessions were bound to with <c>SetSubject</c>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The subject's new generation.</returns>
    /// <exception cref="InvalidOperationException">No <see cref="CookieSessionOptions.RevocationStore"/> is configured.</exception>
    /// <exception cref="SessionStoreException">The revocation store failed, or other instances kept changing the same
    /// subject's generation (transient: retry).</exception>
    public async Task<long> SignOutEverywhereAsync(string subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        SessionValidation.ValidateSubject(subject);
        var store = Store();
        var id = IdFor(subject);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var record = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            var current = record is null ? 0 : Read(record);
            var next = Math.Max(current + 1, _time.GetUtcNow().ToUnixTimeMilliseconds());
            var data = new byte[sizeof(long)];
            BinaryPrimitives.WriteInt64LittleEndian(data, next);

            // Compare-and-set: two instances revoking at once both end up above every generation handed out before.
            var result = await store.SetAsync(id, new SessionWrite(data, _keep, subject, record?.Version ?? 0), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return next;
            }
        }

        throw new SessionStoreException($"Revoking the cookie sessions of a subject lost {MaxAttempts} compare-and-sets in a row to other instances; retry.", null, isTransient: true);
    }

    /// <summary>The subject's current generation (0 when it was never revoked or its record expired).</summary>
    internal async Task<long> CurrentGenerationAsync(string subject, CancellationToken cancellationToken)
    {
        var record = await Store().GetAsync(IdFor(subject), cancellationToken).ConfigureAwait(false);
        return record is null ? 0 : Read(record);
    }

    /// <summary>The record id of a subject: fixed length and inside the id alphabet whatever the subject holds.</summary>
    internal static string IdFor(string subject) => IdPrefix + Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(subject)));

    private ISessionStore Store() => _store ?? throw new InvalidOperationException(
        "Cookie sessions cannot be revoked without CookieSessionOptions.RevocationStore: they live in the browsers. Set it to an ISessionStore shared by every instance of the application.");

    private static long Read(SessionRecord record) => record.Data.Length == sizeof(long)
        ? BinaryPrimitives.ReadInt64LittleEndian(record.Data.Span)
        : throw new SessionDataCorruptedException(record.Id, $"a cookie session revocation record holds {record.Data.Length} bytes, not the 8 of a generation");
}
