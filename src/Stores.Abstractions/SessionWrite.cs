using System;

namespace SessionStores;

/// <summary>What <see cref="ISessionStore.SetAsync"/> writes. A write replaces data, TTL and subject together.</summary>
public readonly record struct SessionWrite
{
    /// <summary>Creates a write.</summary>
    /// <param name="data">The bytes to store.</param>
    /// <param name="ttl">The time to live, counted from the moment the store writes.</param>
    /// <param name="subject">The subject (user id) to bind the session to, or <see langword="null"/> for none.</param>
    /// <param name="expectedVersion">When set, the write is a compare-and-set against this version (0 = create only).</param>
    public SessionWrite(ReadOnlyMemory<byte> data, TimeSpan ttl, string? subject = null, long? expectedVersion = null)
    {
        Data = data;
        Ttl = ttl;
        Subject = subject;
        ExpectedVersion = expectedVersion;
    }

    /// <summary>The bytes to store; an empty value is allowed.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>The time to live: greater than zero, at most <see cref="SessionLimits.MaxTtl"/>.</summary>
    public TimeSpan Ttl { get; init; }

    /// <summary>The subject (user id) to bind the session to; <see langword="null"/> stores none (and clears an earlier one).</summary>
    public string? Subject { get; init; }

    /// <summary>
    /// <see langword="null"/> for an unconditional upsert; otherwise the write succeeds only if the live version equals
    /// this value, where 0 means "only if no live session exists".
    /// </summary>
    public long? ExpectedVersion { get; init; }
}
