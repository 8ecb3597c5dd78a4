using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
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
public sealed class EncryptedFixture<TInner> : IBackendInspectionFixture, IAsyncDisposable
    where TInner : ISessionStoreFixture, new()
{
    public TInner Inner { get; } = new();

    /// <summary>One ephemeral key ring for the conformance runs (rotation has its own key ring in its test).</summary>
    public IDataProtectionProvider DataProtection { get; } = new EphemeralDataProtectionProvider();

    // The decorator stores nothing itself: the records, and their removal after expiry, are the inner store's.
    private readonly ConditionalWeakTable<ISessionStore, ISessionStore> _inner = [];

    /// <summary>The inner fixture's rules; removal of expired records only where the inner fixture can show it.</summary>
    public ConformanceCapabilities Capabilities =>
        Inner is IBackendInspectionFixture ? Inner.Capabilities : Inner.Capabilities & ~ConformanceCapabilities.RemovesExpiredRecords;

    public static string NewNamespace() => "enc" + Guid.NewGuid().ToString("N")[..16];

    public async ValueTask<ISessionStore> CreateStoreAsync(ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        await CreateAsync(options, DataProtection, null, cancellationToken);

    public async ValueTask<EncryptedSessionStore> CreateAsync(
        ConformanceStoreOptions options, IDataProtectionProvider dataProtection, ILogger<EncryptedSessionStore>? logger, CancellationToken cancellationToken)
    {
        var inner = await Inner.CreateStoreAsync(options with { MaxDataBytes = options.MaxDataBytes + EncryptedSessionStore.SealingOverheadBytes }, cancellationToken);
        var store = EncryptedSessionStore.Create(inner, dataProtection, new SessionStoreEncryptionOptions { MaxDataBytes = options.MaxDataBytes }, logger, disposeInner: true);
        _inner.Add(store, inner);
        return store;
    }

    public ValueTask<long> CountHeldRecordsAsync(ISessionStore store, ConformanceStoreOptions options, IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        Inspection.CountHeldRecordsAsync(InnerOf(store), options, ids, cancellationToken);

    public ValueTask RunCleanupAsync(ISessionStore store, ConformanceStoreOptions options, CancellationToken cancellationToken) =>
        Inspection.RunCleanupAsync(InnerOf(store), options, cancellationToken);

    private IBackendInspectionFixture Inspection => (IBackendInspectionFixture)Inner;

    private ISessionStore InnerOf(ISessionStore store) =>
        _inner.TryGetValue(store, out var inner) ? inner : throw new InvalidOperationException("The store was not created by this fixture.");

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
