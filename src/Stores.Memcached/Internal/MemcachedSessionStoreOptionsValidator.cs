using System;
using System.Collections.Generic;

namespace SessionStores.Memcached.Internal;

/// <summary>The one validator of <see cref="MemcachedSessionStoreOptions"/>: the store's constructor and its registration
/// use it both, so they cannot disagree.</summary>
internal sealed class MemcachedSessionStoreOptionsValidator : SessionStoreOptionsValidator<MemcachedSessionStoreOptions>
{
    /// <inheritdoc />
    protected override void Validate(MemcachedSessionStoreOptions options, ICollection<string> problems)
    {
        const string Type = nameof(MemcachedSessionStoreOptions);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            problems.Add($"{Type}.ConnectionString must be set.");
        }

        // TODO(store): the backend's own rules for its namespace (reserved words, case, quoting).
        if (!IsValidNamespace(options.Namespace))
        {
            problems.Add(
                $"{Type}.Namespace must be 1 to {MemcachedSessionStoreOptions.MaxNamespaceLength} letters, digits or underscores, " +
                $"starting with a letter (it is '{options.Namespace}').");
        }

        RequireTimerInterval(nameof(options.PruneInterval), options.PruneInterval, problems);

        if (options.PruneBatchSize is < 1 or > MemcachedSessionStoreOptions.MaxPruneBatchSize)
        {
            problems.Add($"{Type}.PruneBatchSize must be 1 to {MemcachedSessionStoreOptions.MaxPruneBatchSize} (it is {options.PruneBatchSize}).");
        }
    }

    private static bool IsValidNamespace(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MemcachedSessionStoreOptions.MaxNamespaceLength || !char.IsAsciiLetter(value[0]))
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
