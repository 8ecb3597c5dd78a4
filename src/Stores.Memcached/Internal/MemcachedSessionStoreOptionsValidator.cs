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
        if (!MemcachedServerList.TryParse(options.ConnectionString, out _, out var problem))
        {
            problems.Add($"{Type}.ConnectionString {problem}.");
        }

        if (!IsValidKeyPrefix(options.KeyPrefix))
        {
            problems.Add(
                $"{Type}.KeyPrefix must be 1 to {MemcachedSessionStoreOptions.MaxKeyPrefixLength} letters, digits or underscores, " +
                $"starting with a letter (it is '{options.KeyPrefix}').");
        }

        if (options.MaxItemBytes is < 1024 or > 1024 * 1024 * 1024)
        {
            problems.Add($"{Type}.MaxItemBytes must be 1 KiB to 1 GiB, as memcached's -I (it is {options.MaxItemBytes}).");
        }

        if (options.ConnectionsPerServer is < 1 or > 64)
        {
            problems.Add($"{Type}.ConnectionsPerServer must be 1 to 64 (it is {options.ConnectionsPerServer}).");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero || options.ConnectTimeout > TimeSpan.FromMinutes(1))
        {
            problems.Add($"{Type}.ConnectTimeout must be greater than zero and at most 1 minute (it is {options.ConnectTimeout}).");
        }

        if (options.DeadServerRetryInterval < TimeSpan.FromMilliseconds(100) || options.DeadServerRetryInterval > TimeSpan.FromHours(1))
        {
            problems.Add($"{Type}.DeadServerRetryInterval must be 100 ms to 1 hour (it is {options.DeadServerRetryInterval}).");
        }
    }

    private static bool IsValidKeyPrefix(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MemcachedSessionStoreOptions.MaxKeyPrefixLength || !char.IsAsciiLetter(value[0]))
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
