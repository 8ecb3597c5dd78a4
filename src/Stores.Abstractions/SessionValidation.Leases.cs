using System;
using System.Runtime.CompilerServices;

namespace SessionStores;

// The checks every ISessionLeaseStore makes before any I/O.
public static partial class SessionValidation
{
    /// <summary>Throws unless <paramref name="duration"/> is greater than zero and at most <see cref="SessionLimits.MaxLeaseDuration"/>.</summary>
    /// <param name="duration">The lease duration.</param>
    /// <param name="paramName">The caller's parameter name.</param>
    /// <exception cref="ArgumentOutOfRangeException">The duration is zero, negative or too long.</exception>
    public static void ValidateLeaseDuration(TimeSpan duration, [CallerArgumentExpression(nameof(duration))] string? paramName = null)
    {
        if (duration <= TimeSpan.Zero || duration > SessionLimits.MaxLeaseDuration)
        {
            throw new ArgumentOutOfRangeException(
                paramName, duration, $"A lease duration must be greater than zero and at most {SessionLimits.MaxLeaseDuration.TotalMinutes} minutes (renew a lease that must last longer).");
        }
    }

    /// <summary>Throws unless <paramref name="wait"/> is zero (try once) or more, and representable as a timer (below 24 days).</summary>
    /// <param name="wait">How long an acquisition may wait.</param>
    /// <param name="paramName">The caller's parameter name.</param>
    /// <exception cref="ArgumentOutOfRangeException">The wait is negative or too long.</exception>
    public static void ValidateLeaseWait(TimeSpan wait, [CallerArgumentExpression(nameof(wait))] string? paramName = null)
    {
        if (wait < TimeSpan.Zero || wait.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(paramName, wait, "A lease wait must be zero (try once) or more, and below 24 days.");
        }
    }

    /// <summary>Throws unless <paramref name="lease"/> could have come from a store: a valid id and an owner token of 1 to
    /// 64 characters from <c>[A-Za-z0-9._~-]</c>.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="paramName">The caller's parameter name.</param>
    /// <exception cref="ArgumentNullException"><paramref name="lease"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The id or the owner is invalid.</exception>
    public static void ValidateLease(SessionLease lease, [CallerArgumentExpression(nameof(lease))] string? paramName = null)
    {
        ArgumentNullException.ThrowIfNull(lease, paramName);
        ValidateId(lease.Id, paramName + ".Id");
        if (lease.Owner is null || lease.Owner.Length > 64 || !IsValidId(lease.Owner))
        {
            throw new ArgumentException("A lease owner must be 1 to 64 characters from [A-Za-z0-9._~-], as the store issued it.", paramName + ".Owner");
        }
    }
}
