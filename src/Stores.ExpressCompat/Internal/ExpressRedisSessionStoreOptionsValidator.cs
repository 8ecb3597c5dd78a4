using System;
using System.Collections.Generic;

namespace SessionStores.ExpressCompat.Internal;

/// <summary>Checks <see cref="ExpressRedisSessionStoreOptions"/>; the constructor and the DI registration share it.</summary>
internal sealed class ExpressRedisSessionStoreOptionsValidator : SessionStoreOptionsValidator<ExpressRedisSessionStoreOptions>
{
    public static readonly ExpressRedisSessionStoreOptionsValidator Instance = new();

    protected override void Validate(ExpressRedisSessionStoreOptions options, ICollection<string> problems)
    {
        if (options.ConnectionMultiplexer is null && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            problems.Add($"{nameof(ExpressRedisSessionStoreOptions)}.{nameof(options.ConnectionString)} or {nameof(options.ConnectionMultiplexer)} must be set.");
        }

        if (options.KeyPrefix is null)
        {
            problems.Add($"{nameof(ExpressRedisSessionStoreOptions)}.{nameof(options.KeyPrefix)} must not be null (connect-redis's default is \"sess:\").");
        }

        if (options.Ttl < TimeSpan.FromSeconds(1) || options.Ttl > SessionLimits.MaxTtl)
        {
            problems.Add($"{nameof(ExpressRedisSessionStoreOptions)}.{nameof(options.Ttl)} must be between 1 second and {SessionLimits.MaxTtl} (connect-redis counts it in whole seconds).");
        }
    }
}
