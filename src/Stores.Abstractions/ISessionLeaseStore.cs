using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores;

/// <summary>
/// An optional capability of a session store: a short, exclusive lease per session id, shared by every process that uses
/// the same store, so that requests of one session can run one at a time across app instances
/// (<c>SessionConcurrency.Exclusive</c> in the ASP.NET Core integration).
/// </summary>
/// <remarks>
/// <para><b>Exclusive</b>: at most one live lease per id at any time, across processes. A lease ends when it is released,
/// when its time passes (its holder died or hung), or, for stores whose lock dies with the process, when the holder's
/// process ends.</para>
/// <para><b>Woken, not polled</b>: a waiter is woken by the store when the lease is released (publish/subscribe, NOTIFY,
/// a file-system event, an in-process signal); a time-based re-check only backs up a lost wake-up, with jitter, and never
/// at a fixed short interval.</para>
/// <para><b>Fencing</b>: <see cref="SessionLease.Fence"/> grows strictly with every acquisition of the same id, also after
/// a lease expired. Session writes are fenced by their compare-and-set: a holder whose lease expired wrote against the
/// version it read, so a newer holder's write makes its compare-and-set fail instead of being overwritten.</para>
/// <para>Leases live beside the sessions but outside what <see cref="ISessionStore.ListAsync"/>,
/// <see cref="ISessionStore.CountAsync"/> and <see cref="ISessionStore.DestroyManyAsync"/> see. The id is validated
/// like a session id, before any I/O.</para>
/// <para><b>Deadlines</b>: every round trip to the backend is bounded by the store's
/// <see cref="SessionStoreOptions.OperationTimeout"/> (renew and release as a whole, an acquisition per attempt, its
/// waits between attempts by its <c>wait</c>); past it, a transient <see cref="SessionStoreException"/>.</para>
/// </remarks>
public interface ISessionLeaseStore
{
    /// <summary>Takes the lease on <paramref name="id"/>, waiting up to <paramref name="wait"/> for its holder to release
    /// it or for it to expire.</summary>
    /// <param name="id">The session id.</param>
    /// <param name="duration">How long the lease lasts unless renewed or released: greater than zero, at most
    /// <see cref="SessionLimits.MaxLeaseDuration"/>.</param>
    /// <param name="wait">How long to wait for a held lease: <see cref="TimeSpan.Zero"/> tries once.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The lease, or <see langword="null"/> when another holder kept it for all of <paramref name="wait"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="id"/> is not a valid session id.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> or <paramref name="wait"/> is out of range
    /// (checked before any I/O, see <see cref="SessionValidation.ValidateLeaseDuration"/> and <see cref="SessionValidation.ValidateLeaseWait"/>).</exception>
    /// <exception cref="SessionStoreException">The backend failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<SessionLease?> AcquireLeaseAsync(string id, TimeSpan duration, TimeSpan wait, CancellationToken cancellationToken = default);

    /// <summary>Extends a lease this process holds to now + <paramref name="duration"/>.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="duration">The new duration, as for <see cref="AcquireLeaseAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="false"/> when the lease was no longer held (it expired, and maybe another holder has it).</returns>
    /// <exception cref="ArgumentException">The lease's id or owner is invalid (<see cref="SessionValidation.ValidateLease"/>), or
    /// <paramref name="duration"/> is out of range (<see cref="ArgumentOutOfRangeException"/>).</exception>
    /// <exception cref="SessionStoreException">The backend failed.</exception>
    Task<bool> RenewLeaseAsync(SessionLease lease, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Releases a lease and wakes the waiters of its id. Never releases another holder's lease.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="false"/> when the lease was no longer held.</returns>
    /// <exception cref="ArgumentException">The lease's id or owner is invalid (<see cref="SessionValidation.ValidateLease"/>).</exception>
    /// <exception cref="SessionStoreException">The backend failed.</exception>
    Task<bool> ReleaseLeaseAsync(SessionLease lease, CancellationToken cancellationToken = default);
}

/// <summary>A lease on one session id, from <see cref="ISessionLeaseStore.AcquireLeaseAsync"/>.</summary>
/// <param name="Id">The session id.</param>
/// <param name="Owner">A random token that tells this holder from any other.</param>
/// <param name="Fence">Grows strictly with every acquisition of the id (a fencing token).</param>
public sealed record SessionLease(string Id, string Owner, long Fence);
