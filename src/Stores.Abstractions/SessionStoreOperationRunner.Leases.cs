using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores;

public sealed partial class SessionStoreOperationRunner
{
    /// <summary>
    /// Runs <see cref="ISessionLeaseStore.AcquireLeaseAsync"/>: each attempt (one round trip) under the deadline, as
    /// <see cref="RunAsync{TState, TResult}"/> does for one operation; the waits between attempts are the caller's
    /// <paramref name="wait"/>, not store calls, and are bounded by it alone. An attempt that does not answer within the
    /// deadline ends the acquisition with the runner's transient timeout <see cref="SessionStoreException"/>.
    /// </summary>
    /// <typeparam name="TState">What <paramref name="attempt"/> and <paramref name="waiters"/> need (the store, the
    /// arguments).</typeparam>
    /// <param name="key">The key the waiters of this lease wait on (see <see cref="SessionLeaseWaiters.AcquireAsync"/>).</param>
    /// <param name="wait">How long to keep trying (validated by the caller): <see cref="TimeSpan.Zero"/> runs one attempt
    /// and never asks for <paramref name="waiters"/>.</param>
    /// <param name="state">Passed to <paramref name="waiters"/> and <paramref name="attempt"/>.</param>
    /// <param name="waiters">The store's waiters (with their wake-up source started); called once, only for a non-zero
    /// wait.</param>
    /// <param name="attempt">One atomic attempt to take the lease; give its token to every call that may wait.</param>
    /// <param name="cancellationToken">The caller's token: cancels the attempts and the waits.</param>
    /// <returns>The lease, or <see langword="null"/> when every attempt found it held.</returns>
    public async Task<SessionLease?> AcquireLeaseAsync<TState>(
        string key,
        TimeSpan wait,
        TState state,
        Func<TState, SessionLeaseWaiters> waiters,
        Func<TState, CancellationToken, Task<SessionLeaseAttempt>> attempt,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(waiters);
        ArgumentNullException.ThrowIfNull(attempt);
        if (wait <= TimeSpan.Zero)
        {
            return (await RunAsync(SessionStoreOperationNames.AcquireLease, state, attempt, cancellationToken).ConfigureAwait(false)).Lease;
        }

        return await waiters(state).AcquireAsync(
            key,
            wait,
            ct => new ValueTask<SessionLeaseAttempt>(RunAsync(SessionStoreOperationNames.AcquireLease, state, attempt, ct)),
            cancellationToken).ConfigureAwait(false);
    }
}
