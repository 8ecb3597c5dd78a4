using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// What <see cref="StoreBackedSessionExtensions"/> needs from a session beyond <c>ISession</c>: subjects, a new id at
/// sign-in, destroy. Implemented by the store-backed session and by the cookie sessions of <c>SessionStores.Cookies</c>
/// (through InternalsVisibleTo), so that one set of extension methods serves both and an application's sign-in and
/// sign-out code does not change with the session's backend.
/// </summary>
internal interface IExtendedSession
{
    string? Subject { get; }

    void SetSubject(string? subject);

    string RegenerateId();

    Task DestroyAsync(CancellationToken cancellationToken);
}
