using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// One request's turn on its session (<see cref="SessionConcurrency.Serialized"/> and
/// <see cref="SessionConcurrency.Exclusive"/>): the in-process gate and, under <c>Exclusive</c>, the store's lease, held
/// from the load until the commit is stored. The lease is renewed in the background while the request runs. Ending the
/// turn releases the lease first (waking other instances' waiters), then the gate.
/// </summary>
internal sealed class SessionTurn
{
    private readonly SessionGate.Held _gate;
    private readonly ISessionLeaseStore? _leases;
    private readonly SessionLease? _lease;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource? _renewal;
    private int _ended;
    private SessionStoreException? _storeFailure;

    private SessionTurn(SessionGate.Held gate, ISessionLeaseStore? leases, SessionLease? lease, TimeSpan leaseDuration, ILogger logger)
    {
        _gate = gate;
        _leases = leases;
        _lease = lease;
        _logger = logger;
        if (lease is not null)
        {
            _renewal = new CancellationTokenSource();
            _ = RenewAsync(leaseDuration, _renewal.Token);
        }
    }

    /// <summary>Waits for this request's turn: the gate, then (Exclusive) the lease, both within
    /// <see cref="StoreBackedSessionOptions.WaitTimeout"/> from now.</summary>
    public static async Task<SessionTurn> TakeAsync(StoreBackedSession.Settings settings, string key, CancellationToken cancellationToken)
    {
        var options = settings.Options;
        var started = Stopwatch.GetTimestamp();
        var gate = await settings.Gate.EnterAsync(key, options.MaxWaitingRequestsPerSession, options.WaitTimeout, cancellationToken).ConfigureAwait(false);
        if (options.Concurrency != SessionConcurrency.Exclusive)
        {
            return new SessionTurn(gate, null, null, default, settings.Logger);
        }

        try
        {
            var leases = (ISessionLeaseStore)settings.Store;
            var left = options.WaitTimeout - Stopwatch.GetElapsedTime(started);
            var lease = await leases.AcquireLeaseAsync(key, options.LeaseDuration, left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken).ConfigureAwait(false)
                ?? throw SessionBusyException.LeaseNotGranted(options.WaitTimeout);
            return new SessionTurn(gate, leases, lease, options.LeaseDuration, settings.Logger);
        }
        catch
        {
            gate.Dispose();
            throw;
        }
    }

    /// <summary>Records a transient store failure met during the turn: the requests waiting behind it are answered with
    /// it when the turn ends, rather than each waiting out the same stall.</summary>
    public void StoreFailed(Exception failure)
    {
        if (failure is SessionStoreException { IsTransient: true } transient and not SessionBusyException and not SessionCommitConflictException)
        {
            _storeFailure ??= transient;
        }
    }

    /// <summary>Ends the turn (once): releases the lease, then the gate. Never throws: a lease that cannot be released
    /// is logged and expires on its own.</summary>
    public async Task EndAsync()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        try
        {
            if (_lease is not null)
            {
                await _renewal!.CancelAsync().ConfigureAwait(false);
                await _leases!.ReleaseLeaseAsync(_lease, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            Log.LeaseNotReleased(_logger, SessionValidation.Tag(_lease!.Id), ex);
        }
        finally
        {
            _gate.Release(_storeFailure);
        }
    }

    private async Task RenewAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        try
        {
            var period = duration / 3;
            while (true)
            {
                await Task.Delay(period, cancellationToken).ConfigureAwait(false);
                if (!await TryRenewAsync(duration, cancellationToken).ConfigureAwait(false))
                {
                    // The lease ran out (a stalled store, a paused process): the commit is still fenced by its
                    // compare-and-set, so a newer holder's write is merged with, never overwritten.
                    Log.LeaseLost(_logger, SessionValidation.Tag(_lease!.Id));
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> TryRenewAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        try
        {
            return await _leases!.RenewLeaseAsync(_lease!, duration, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionStoreException ex)
        {
            // Tried again at the next period; the lease lasts until then.
            Log.LeaseNotRenewed(_logger, SessionValidation.Tag(_lease!.Id), ex);
            return true;
        }
    }
}
