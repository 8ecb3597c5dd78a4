using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// One request's turn on its session (<see cref="SessionConcurrency.Serialized"/> and
/// <see cref="SessionConcurrency.Exclusive"/>): the in-process gate and, under <c>Exclusive</c>, the store's lease, held
/// from the load until the commit is stored. The lease is renewed in the background while the request runs, and released
/// in the background when the turn ends (the response does not wait for it; the next holder is woken by the store).
/// </summary>
internal sealed class SessionTurn
{
    private readonly SessionGate.Held _gate;
    private readonly StoreBackedSession.Settings _settings;
    private readonly SessionLease? _lease;
    private readonly CancellationTokenSource? _renewal;
    private readonly Task _renewing = Task.CompletedTask;
    private int _ended;
    private SessionStoreException? _storeFailure;
    private string? _handOver;

    private SessionTurn(SessionGate.Held gate, StoreBackedSession.Settings settings, SessionLease? lease)
    {
        _gate = gate;
        _settings = settings;
        _lease = lease;
        if (lease is not null)
        {
            _renewal = new CancellationTokenSource();
            _renewing = RenewAsync(_renewal.Token);
        }
    }

    private ISessionLeaseStore Leases => (ISessionLeaseStore)_settings.Store;

    private ILogger Logger => _settings.Logger;

    /// <summary>Waits for this request's turn: the gate, then (Exclusive) the lease, both within
    /// <see cref="StoreBackedSessionOptions.WaitTimeout"/> from now.</summary>
    public static async ValueTask<SessionTurn> TakeAsync(StoreBackedSession.Settings settings, string key, CancellationToken cancellationToken)
    {
        var options = settings.Options;
        var started = Stopwatch.GetTimestamp();
        var gate = await settings.Gate.EnterAsync(key, options.MaxWaitingRequestsPerSession, options.WaitTimeout, cancellationToken).ConfigureAwait(false);
        if (options.Concurrency != SessionConcurrency.Exclusive)
        {
            return new SessionTurn(gate, settings, null);
        }

        try
        {
            var left = options.WaitTimeout - Stopwatch.GetElapsedTime(started);
            var lease = await ((ISessionLeaseStore)settings.Store).AcquireLeaseAsync(key, options.LeaseDuration, left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken).ConfigureAwait(false)
                ?? throw SessionBusyException.LeaseNotGranted(options.WaitTimeout);
            settings.Outage.Succeeded();
            return new SessionTurn(gate, settings, lease);
        }
        catch (SessionStoreException ex) when (ex.IsTransient && ex is not SessionBusyException)
        {
            // The store did not answer: those queued behind in this process would meet the same stall, so they are
            // answered with it (as after a failed load).
            settings.Outage.Failed(ex);
            gate.Release(ex);
            throw;
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

    /// <summary>The id the session moved to while an earlier request of this process held the turn (a new id after it
    /// found the session gone; never a sign-in's regenerated id), or <see langword="null"/>.</summary>
    public string? MovedTo => _gate.MovedTo;

    /// <summary>The session now lives under <paramref name="key"/>: the requests queued behind this one (which carry
    /// the old id's cookie) are told, and continue there instead of each starting a session of its own.</summary>
    public void HandOver(string key) => _handOver = key;

    /// <summary>Ends the turn (once): passes the gate on and releases the lease in the background. Never throws.</summary>
    public Task EndAsync()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return Task.CompletedTask;
        }

        if (_lease is not null)
        {
            // Not awaited: the response need not wait for the release, and the next holder (here or in another
            // instance) is woken by the store once it lands. Its failure is logged; the lease then expires on its own.
            _ = ReleaseLeaseAsync();
        }

        _gate.Release(_storeFailure, _handOver);
        return Task.CompletedTask;
    }

    private async Task ReleaseLeaseAsync()
    {
        try
        {
            await _renewal!.CancelAsync().ConfigureAwait(false);
            await _renewing.ConfigureAwait(false);
            await Leases.ReleaseLeaseAsync(_lease!, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.LeaseNotReleased(Logger, SessionValidation.Tag(_lease!.Id), ex);
        }
        finally
        {
            _renewal!.Dispose();
        }
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        var duration = _settings.Options.LeaseDuration;
        try
        {
            while (true)
            {
                await Task.Delay(duration / 3, cancellationToken).ConfigureAwait(false);
                bool held;
                try
                {
                    held = await Leases.RenewLeaseAsync(_lease!, duration, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // Tried again at the next period; the lease lasts until then.
                    Log.LeaseNotRenewed(Logger, SessionValidation.Tag(_lease!.Id), ex);
                    continue;
                }

                if (!held)
                {
                    // The lease ran out (a stalled store, a paused process): the commit is still fenced by its
                    // compare-and-set, so a newer holder's write is merged with, never overwritten.
                    Log.LeaseLost(Logger, SessionValidation.Tag(_lease!.Id));
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
