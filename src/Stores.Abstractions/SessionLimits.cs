using System;

namespace SessionStores;

/// <summary>The documented limits every store enforces.</summary>
public static class SessionLimits
{
    /// <summary>The longest id accepted: 256 characters.</summary>
    public const int MaxIdLength = 256;

    /// <summary>The longest subject accepted: 256 characters.</summary>
    public const int MaxSubjectLength = 256;

    /// <summary>The default <see cref="SessionStoreOptions.MaxDataBytes"/>: 1 MiB.</summary>
    public const int DefaultMaxDataBytes = 1024 * 1024;

    /// <summary>The largest page a listing may ask for.</summary>
    public const int MaxPageSize = 10_000;

    /// <summary>The longest TTL accepted: 400 days (the longest lifetime browsers grant a cookie).</summary>
    public static TimeSpan MaxTtl { get; } = TimeSpan.FromDays(400);

    /// <summary>The longest lease <see cref="ISessionLeaseStore"/> grants at once: 10 minutes (a lease is renewed, not long).</summary>
    public static TimeSpan MaxLeaseDuration { get; } = TimeSpan.FromMinutes(10);

    /// <summary>The default <see cref="SessionStoreOptions.OperationTimeout"/>: 5 seconds.</summary>
    public static TimeSpan DefaultOperationTimeout { get; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest <see cref="SessionStoreOptions.OperationTimeout"/> accepted: 10 minutes.</summary>
    public static TimeSpan MaxOperationTimeout { get; } = TimeSpan.FromMinutes(10);
}
