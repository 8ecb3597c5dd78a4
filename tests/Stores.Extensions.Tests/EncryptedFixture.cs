using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging;
using SessionStores.Conformance;
using SessionStores.Encryption;

namespace SessionStores.Extensions.Tests;

/// <summary>
/// The stores of <typeparamref name="TInner"/> (each store project's own fixture), each wrapped in
/// <see cref="EncryptedSessionStore"/>. The inner store's limit is the test's limit plus the sealing overhead, the
/// decorator's is the test's, as the README tells users to configure them.
/// </summary>
public sealed class EncryptedFixture<TInner> : ISessionStoreFixture, IAsyncDisposable
    where TInner : ISessionStoreFixture, new()
{
    public TInner Inner { get; } = new();

    /// <summary>One ephemeral key ring for the conformance runs (rotation has its own key ring in its test).</summary>
    public IDataProtectionProvider DataProtection { get; } = new EphemeralDataProtectionProvider();

    public ConformanceCapabilities Capabilities => Inner.Capabilities;

    public static string NewNamespace() => "enc" + Guid.NewGuid().ToString("N")[..16];

    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        await CreateAsync(options, DataProtection, null, cancellationToken);

    public async ValueTask<EncryptedSessionStore> CreateAsync(
        ConformanceStoreOptions options, IDataProtectionProvider dataProtection, ILogger<EncryptedSessionStore>? logger, CancellationToken cancellationToken)
    {
        var inner = await Inner.CreateStoreAsync(options with { MaxDataBytes = options.MaxDataBytes + EncryptedSessionStore.SealingOverheadBytes }, cancellationToken);
        return EncryptedSessionStore.Create(inner, dataProtection, new SessionStoreEncryptionOptions { MaxDataBytes = options.MaxDataBytes }, logger, disposeInner: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (Inner is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            (Inner as IDisposable)?.Dispose();
        }
    }
}
