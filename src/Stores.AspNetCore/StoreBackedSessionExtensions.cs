using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using SessionStores.AspNetCore.Internal;

namespace SessionStores.AspNetCore;

/// <summary>What <c>HttpContext.Session</c> can do when it lives in an <see cref="ISessionStore"/>, beyond <see cref="ISession"/>.</summary>
public static class StoreBackedSessionExtensions
{
    /// <summary>Whether this session is backed by an <see cref="ISessionStore"/> (registered with
    /// <c>AddStoreBackedSession</c>), so that the other methods of this class work.</summary>
    /// <param name="session">The session.</param>
    /// <returns><see langword="true"/> for a store-backed session.</returns>
    public static bool IsStoreBacked(this ISession session) => session is StoreBackedSession;

    /// <summary>
    /// Binds the session to a subject (a user id), stored with the next commit, so that <see cref="SessionAdmin"/> can
    /// list and destroy a user's sessions ("sign out everywhere"). <see langword="null"/> unbinds it.
    /// </summary>
    /// <param name="session">A loaded, store-backed session.</param>
    /// <param name="subject">The subject: 1 to 256 characters without control characters, or <see langword="null"/>.</param>
    /// <exception cref="InvalidOperationException">The session is not store-backed, not loaded, read-only or destroyed.</exception>
    public static void SetSubject(this ISession session, string? subject) => Ours(session).SetSubject(subject);

    /// <summary>The subject (user id) the session is bound to, or <see langword="null"/>.</summary>
    /// <param name="session">A store-backed session.</param>
    /// <returns>The subject.</returns>
    public static string? GetSubject(this ISession session) => Ours(session).Subject;

    /// <summary>
    /// Moves the session to a new random id and cookie, keeping its content and subject: call it when a user signs in
    /// (or gains privileges), so that an id an attacker planted or learned before sign-in is worthless afterwards
    /// (session fixation). The new cookie is set at once; at commit the session is written under the new id and the
    /// old id is destroyed. A session created in this request already has a fresh id and is left as it is.
    /// </summary>
    /// <param name="session">A loaded, store-backed session.</param>
    /// <returns>The new session id (also <see cref="ISession.Id"/> from now on).</returns>
    /// <exception cref="InvalidOperationException">The session is not store-backed, not loaded, read-only or destroyed,
    /// or the response has already started.</exception>
    public static string RegenerateId(this ISession session) => Ours(session).RegenerateId();

    /// <summary>
    /// Deletes the session from the store now and deletes its cookie (when the response has not started), unlike
    /// <see cref="ISession.Clear"/>, which keeps an empty session stored. Writes later in the same request throw.
    /// </summary>
    /// <param name="session">A store-backed session (it need not be loaded).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the session is deleted.</returns>
    public static Task DestroyAsync(this ISession session, CancellationToken cancellationToken = default) =>
        Ours(session).DestroyAsync(cancellationToken);

    // A cookie session (SessionStores.Cookies) answers these too, so sign-in and sign-out code need not know the backend.
    private static IExtendedSession Ours(ISession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session as IExtendedSession ?? throw new InvalidOperationException(
            $"HttpContext.Session is a {session.GetType().Name}, not a store-backed session. Call services.AddStoreBackedSession() (and an Add*SessionStore), or services.AddCookieSession(), to use subjects and destroy.");
    }
}
