using System;
using System.Collections.Generic;

namespace SessionStores.ExpressCompat.Internal;

/// <summary>Checks <see cref="ExpressFileSessionStoreOptions"/>; the constructor and the DI registration share it.</summary>
internal sealed class ExpressFileSessionStoreOptionsValidator : SessionStoreOptionsValidator<ExpressFileSessionStoreOptions>
{
    public static readonly ExpressFileSessionStoreOptionsValidator Instance = new();

    protected override void Validate(ExpressFileSessionStoreOptions options, ICollection<string> problems)
    {
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            problems.Add($"{nameof(ExpressFileSessionStoreOptions)}.{nameof(options.Path)} must name the directory session-file-store uses (its 'path' option).");
        }

        if (options.Ttl < TimeSpan.FromSeconds(1) || options.Ttl > SessionLimits.MaxTtl)
        {
            problems.Add($"{nameof(ExpressFileSessionStoreOptions)}.{nameof(options.Ttl)} must be between 1 second and {SessionLimits.MaxTtl}.");
        }

        if (options.Clock is null)
        {
            problems.Add($"{nameof(ExpressFileSessionStoreOptions)}.{nameof(options.Clock)} must not be null.");
        }
    }
}
