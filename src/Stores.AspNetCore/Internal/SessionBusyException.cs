using System;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// A request could not get its turn on its session: too many requests of the same session were already waiting, or it
/// waited longer than <see cref="StoreBackedSessionOptions.WaitTimeout"/>. Transient: answered with
/// <see cref="StoreBackedSessionOptions.UnavailableStatusCode"/> (503) and <c>Retry-After</c>.
/// </summary>
internal sealed class SessionBusyException : SessionStoreException
{
    private SessionBusyException(string message, Exception? inner)
        : base(message, inner, isTransient: true)
    {
    }

    public static SessionBusyException TooManyWaiting(int limit) => new(
        $"Too many requests of this session are already waiting for their turn (StoreBackedSessionOptions.MaxWaitingRequestsPerSession = {limit}).", null);

    public static SessionBusyException WaitedTooLong(TimeSpan timeout, Exception? inner) => new(
        $"The earlier requests of this session did not finish within StoreBackedSessionOptions.WaitTimeout ({timeout.TotalSeconds:0.###} s).", inner);

    public static SessionBusyException CommitContended(TimeSpan timeout, int attempts) => new(
        $"Other requests kept changing this session; its changes were merged and retried {attempts} time(s) until StoreBackedSessionOptions.CommitTimeout ({timeout.TotalSeconds:0.###} s) and not stored.", null);

    public static SessionBusyException LeaseNotGranted(TimeSpan timeout) => new(
        $"Another app instance held this session's lease for all of StoreBackedSessionOptions.WaitTimeout ({timeout.TotalSeconds:0.###} s).", null);
}
