using System.Collections.Generic;

namespace SessionStores.Encryption;

/// <summary>Options of <see cref="EncryptedSessionStore"/>.</summary>
public sealed class SessionStoreEncryptionOptions
{
    /// <summary>The default <see cref="Purpose"/>.</summary>
    public const string DefaultPurpose = "SessionStores.Encryption.v1";

    /// <summary>The Data Protection purpose the session data are sealed under; each session id is a further purpose below
    /// it. Changing it makes every existing record unopenable (absent). Default: <see cref="DefaultPurpose"/>.</summary>
    public string Purpose { get; set; } = DefaultPurpose;

    /// <summary>
    /// The largest session data, in bytes before sealing, that a write accepts; a larger write is rejected with an
    /// <see cref="System.ArgumentException"/> before anything is sealed or sent. The sealed record is exactly
    /// <see cref="EncryptedSessionStore.SealingOverheadBytes"/> larger, so the inner store's own <c>MaxDataBytes</c> must be
    /// at least this + <see cref="EncryptedSessionStore.SealingOverheadBytes"/>. Default:
    /// <see cref="SessionLimits.DefaultMaxDataBytes"/> − <see cref="EncryptedSessionStore.SealingOverheadBytes"/>, which fits an
    /// inner store left at its default limit.
    /// </summary>
    public int MaxDataBytes { get; set; } = SessionLimits.DefaultMaxDataBytes - EncryptedSessionStore.SealingOverheadBytes;

    internal IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Purpose))
        {
            problems.Add("SessionStoreEncryptionOptions.Purpose must not be empty.");
        }

        if (MaxDataBytes <= 0 || MaxDataBytes > int.MaxValue - EncryptedSessionStore.SealingOverheadBytes)
        {
            problems.Add($"SessionStoreEncryptionOptions.MaxDataBytes must be positive and at most {int.MaxValue - EncryptedSessionStore.SealingOverheadBytes} (it is {MaxDataBytes}).");
        }

        return problems;
    }
}
