using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace SessionStores.ExpressCompat.Internal;

/// <summary>Checks <see cref="ExpressPostgresSessionStoreOptions"/>; the constructor and the DI registration share it.</summary>
internal sealed partial class ExpressPostgresSessionStoreOptionsValidator : SessionStoreOptionsValidator<ExpressPostgresSessionStoreOptions>
{
    public static readonly ExpressPostgresSessionStoreOptionsValidator Instance = new();

    protected override void Validate(ExpressPostgresSessionStoreOptions options, ICollection<string> problems)
    {
        if (options.DataSource is null && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            problems.Add($"{nameof(ExpressPostgresSessionStoreOptions)}.{nameof(options.ConnectionString)} or {nameof(options.DataSource)} must be set.");
        }

        if (options.TableName is null || !Identifier().IsMatch(options.TableName))
        {
            problems.Add($"{nameof(ExpressPostgresSessionStoreOptions)}.{nameof(options.TableName)} must be 1 to 63 letters, digits or underscores, not starting with a digit (connect-pg-simple's default is \"session\").");
        }

        if (options.SchemaName is not null && !Identifier().IsMatch(options.SchemaName))
        {
            problems.Add($"{nameof(ExpressPostgresSessionStoreOptions)}.{nameof(options.SchemaName)} must be null or 1 to 63 letters, digits or underscores, not starting with a digit.");
        }

        if (options.Ttl < TimeSpan.FromSeconds(1) || options.Ttl > SessionLimits.MaxTtl)
        {
            problems.Add($"{nameof(ExpressPostgresSessionStoreOptions)}.{nameof(options.Ttl)} must be between 1 second and {SessionLimits.MaxTtl}.");
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex Identifier();
}
