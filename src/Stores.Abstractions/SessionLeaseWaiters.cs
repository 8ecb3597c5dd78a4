using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores;

/// <summary>
/// The waiting half of an <see cref="ISessionLeaseStore"/>, shared by every store: callers waiting for a lease are woken
/// by the store's release signal (<see cref="Wake"/>, fed from publish/subscribe, NOTIFY, a file-system event or an
/// in-process release), and a jittered re-check backs up a lost signal. One instance per store instance.
/// </summary>
/// <remarks>
/// <para>A waiter registers for its key's signal <i>before</i> each attempt, so a release between a failed attempt and the
/// wait is never missed within this process. Signals from another process can still be lost (publish/subscribe is
/// at-most-once; a connection drops; a process killed while holding a lease sends nothing), so each wait also ends after
/// a backup delay: it starts at 250 ms, doubles up to 4 s, varies by ±25 % so waiters do not retry in step, and never
/// outlasts the holder's remaining lease time when the store knows it (so an expired lease is taken promptly) nor the
/// caller's wait. A store calls <see cref="WakeAll"/> when its signal source (re)connects, because signals sent while it
/// was down are lost.</para>
/// <para>All waiters of a key are woken together and race for the lease; the store's own atomic acquisition decides.</para>
/// </remarks>
public sealed class SessionLeaseWaiters
{
    private static readonly TimeSpan FirstBackup = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LastBackup = TimeSpan.FromSeconds(4);

    // A little past the holder's expiry, so that the re-check does not arrive a hair early on a clock that rounds.
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromMilliseconds(5);

    private readonly Dictionary<string, Signal> _signals = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    /// <summary>Creates the waiters of one store.</summary>
    /// <param name="timeProvider">The clock of the waits; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public SessionLeaseWaiters(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The number of keys that have waiters now (for tests and diagnostics).</summary>
    public int WaitingKeys
    {
        get
        {
            lock (_signals)
            {
                return _signals.Count;
            }
        }
    }

    /// <summary>Wakes every waiter of <paramref name="key"/> to try again.</summary>
    /// <param name="key">The key the waiters wait on (the store chooses it, usually the session id).</param>
    public void Wake(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Signal? signal;
        lock (_signals)
        {
            _signals.Remove(key, out signal);
        }

        signal?.Fire();
    }

    /// <summary>Wakes every waiter of every key: for when signals may have been lost (a reconnect, an overflow).</summary>
    public void WakeAll()
    {
        Signal[] all;
        lock (_signals)
        {
            all = [.. _signals.Values];
            _signals.Clear();
        }

        foreach (var signal in all)
        {
            signal.Fire();
        }
    }

    /// <summary>
    /// Calls <paramref name="tryAcquire"/> until it returns a lease or <paramref name="wait"/> has passed, waiting between
    /// attempts for a wake-up of <paramref name="key"/> or the backup delay. With a zero wait it tries once.
    /// </summary>
    /// <param name="key">The key whose wake-ups end a wait.</param>
    /// <param name="wait">How long to keep trying (validated by the caller).</param>
    /// <param name="tryAcquire">One atomic attempt to take the lease.</param>
    /// <param name="cancellationToken">Cancels the wait (and is passed to every attempt).</param>
    /// <returns>The lease, or <see langword="null"/> when every attempt found it held.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<SessionLease?> AcquireAsync(
        string key, TimeSpan wait, Func<CancellationToken, ValueTask<SessionLeaseAttempt>> tryAcquire, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(tryAcquire);
        var started = _time.GetTimestamp();
        var backup = FirstBackup;
        while (true)
        {
            // Registered before the attempt: a release that lands after the attempt found the lease held still wakes us.
            var signal = wait > TimeSpan.Zero ? Register(key) : null;
            try
            {
                var attempt = await tryAcquire(cancellationToken).ConfigureAwait(false);
                if (attempt.Lease is { } lease)
                {
                    return lease;
                }

                var left = wait - _time.GetElapsedTime(started);
                if (signal is null || left <= TimeSpan.Zero)
                {
                    return null;
                }

                var delay = Jitter(backup);
                if (attempt.HolderRemaining is { } remaining && remaining + ExpiryMargin < delay)
                {
                    delay = remaining + ExpiryMargin;
                }

                if (left < delay)
                {
                    delay = left;
                }

                await WaitAsync(signal.Task, delay, cancellationToken).ConfigureAwait(false);
                backup = backup * 2 < LastBackup ? backup * 2 : LastBackup;
            }
            finally
            {
                if (signal is not null)
                {
                    Unregister(key, signal);
                }
            }
        }
    }

    private async Task WaitAsync(Task woken, TimeSpan delay, CancellationToken cancellationToken)
    {
        using var timerCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(delay, _time, timerCancellation.Token);
        await Task.WhenAny(woken, timer).ConfigureAwait(false);
        await timerCancellation.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.75 + (Random.Shared.NextDouble() * 0.5));

    private Signal Register(string key)
    {
        lock (_signals)
        {
            if (!_signals.TryGetValue(key, out var signal))
            {
                signal = new Signal();
                _signals.Add(key, signal);
            }

            signal.Waiters++;
            return signal;
        }
    }

    private void Unregister(string key, Signal signal)
    {
        lock (_signals)
        {
            // A fired signal was already removed (and maybe replaced by a newer one for the same key).
            if (--signal.Waiters == 0 && _signals.TryGetValue(key, out var current) && ReferenceEquals(current, signal))
            {
                _signals.Remove(key);
            }
        }
    }

    /// <summary>One wake-up, shared by the waiters of a key registered before it fired.</summary>
    private sealed class Signal
    {
        private readonly TaskCompletionSource _fired = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Waiters { get; set; }

        public Task Task => _fired.Task;

        public void Fire() => _fired.TrySetResult();
    }
}

/// <summary>What one attempt to take a lease found; returned to <see cref="SessionLeaseWaiters.AcquireAsync"/>.</summary>
public readonly struct SessionLeaseAttempt : IEquatable<SessionLeaseAttempt>
{
    private SessionLeaseAttempt(SessionLease? lease, TimeSpan? holderRemaining)
    {
        Lease = lease;
        HolderRemaining = holderRemaining;
    }

    /// <summary>The lease taken, or <see langword="null"/> when another holder has it.</summary>
    public SessionLease? Lease { get; }

    /// <summary>How long the current holder's lease still runs, when the store knows it.</summary>
    public TimeSpan? HolderRemaining { get; }

    /// <summary>The lease was taken.</summary>
    /// <param name="lease">The lease.</param>
    /// <returns>The attempt.</returns>
    public static SessionLeaseAttempt Acquired(SessionLease lease) => new(lease ?? throw new ArgumentNullException(nameof(lease)), null);

    /// <summary>Another holder has the lease.</summary>
    /// <param name="remaining">How long its lease still runs, when known.</param>
    /// <returns>The attempt.</returns>
    public static SessionLeaseAttempt Held(TimeSpan? remaining) =>
        new(null, remaining is { } r && r < TimeSpan.Zero ? TimeSpan.Zero : remaining);

    /// <inheritdoc />
    public bool Equals(SessionLeaseAttempt other) => Equals(Lease, other.Lease) && HolderRemaining == other.HolderRemaining;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SessionLeaseAttempt other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Lease, HolderRemaining);

    /// <summary>Compares two attempts.</summary>
    /// <param name="left">One.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(SessionLeaseAttempt left, SessionLeaseAttempt right) => left.Equals(right);

    /// <summary>Compares two attempts.</summary>
    /// <param name="left">One.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(SessionLeaseAttempt left, SessionLeaseAttempt right) => !left.Equals(right);
}
