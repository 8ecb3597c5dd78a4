using System;
using System.Collections.Generic;

namespace SessionStores.MySql.Internal;

/// <summary>The one validator of <see cref="MySqlSessionStoreOptions"/>: the store's constructor and its registration
/// use it both, so they cannot disagree.</summary>
internal sealed class MySqlSessionStoreOptionsValidator : SessionStoreOptionsValidator<MySqlSessionStoreOptions>
{
    /// <inheritdoc />
    protected override void Validate(MySqlSessionStoreOptions options, ICollection<string> problems)
    {
        const string Type = nameof(MySqlSessionStoreOptions);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            problems.Add($"{Type}.ConnectionString must be set.");
        }

        // TODO(store): the backend's own rules for its namespace (reserved words, case, quoting).
        if (!IsValidNamespace(options.Namespace))
        {
            problems.Add(
                $"{Type}.Namespace must be 1 to {MySqlSessionStoreOptions.MaxNamespaceLength} letters, digits or underscores, " +
                $"starting with a letter (it is '{options.Namespace}').");
        }

        RequireTimerInterval(nameof(options.PruneInterval), options.PruneInterval, problems);

        if (options.PruneBatchSize is < 1 or > MySqlSessionStoreOptions.MaxPruneBatchSize)
        {
            problems.Add($"{Type}.PruneBatchSize must be 1 to {MySqlSessionStoreOptions.MaxPruneBatchSize} (it is {options.PruneBatchSize}).");
        }
    }

    private static bool IsValidNamespace(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MySqlSessionStoreOptions.MaxNamespaceLength || !char.IsAsciiLetter(value[0]))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
