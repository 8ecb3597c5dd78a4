using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SessionStores.Encryption;
using SessionStores.Memory;
using Xunit;

namespace SessionStores.Extensions.Tests;

/// <summary>AddSessionStoreEncryption decorates the registered store, whatever registered it.</summary>
public sealed class EncryptionRegistrationTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_registered_store_is_decorated_keeps_its_leases_and_holds_sealed_data()
    {
        await using var services = new ServiceCollection()
            .AddMemorySessionStore()
            .AddSessionStoreEncryption()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        var store = services.GetRequiredService<ISessionStore>();
        await store.SetAsync("one", new SessionWrite("secret"u8.ToArray(), TimeSpan.FromMinutes(1)), Token);

        var encrypted = Assert.IsAssignableFrom<EncryptedSessionStore>(store);
        Assert.IsAssignableFrom<ISessionLeaseStore>(store);
        Assert.Same(services.GetRequiredService<MemorySessionStore>(), encrypted.Inner);
        Assert.Equal("secret"u8.ToArray(), (await store.GetAsync("one", Token))!.Data.ToArray());
        Assert.Equal(6 + EncryptedSessionStore.SealingOverheadBytes, (await encrypted.Inner.GetAsync("one", Token))!.Data.Length);
    }

    [Fact]
    public async Task A_store_registered_as_an_instance_without_leases_is_decorated_without_leases()
    {
        var inner = new NoLeases(new MemorySessionStore());
        await using var services = new ServiceCollection().AddSingleton<ISessionStore>(inner).AddSessionStoreEncryption().BuildServiceProvider();

        var store = services.GetRequiredService<ISessionStore>();

        Assert.Same(inner, Assert.IsAssignableFrom<EncryptedSessionStore>(store).Inner);
        Assert.False(store is ISessionLeaseStore);
    }

    [Fact]
    public void Without_a_registered_store_the_call_names_what_is_missing()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddSessionStoreEncryption());

        Assert.Contains("Add…SessionStore", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_options_fail_at_start_naming_the_option()
    {
        await using var services = new ServiceCollection()
            .AddMemorySessionStore()
            .AddSessionStoreEncryption(o => o.Purpose = " ")
            .BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<ISessionStore>());
        Assert.Contains("SessionStoreEncryptionOptions.Purpose", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => EncryptedSessionStore.Create(new MemorySessionStore(), new EphemeralDataProtectionProvider(), new() { MaxDataBytes = 0 }));
    }

    /// <summary>A store without leases (the in-memory store has them), to show the decorator does not claim them.</summary>
    private sealed class NoLeases(ISessionStore inner) : ISessionStore
    {
        public Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

        public Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default) => inner.GetAndTouchAsync(id, ttl, cancellationToken);

        public Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default) => inner.SetAsync(id, write, cancellationToken);

        public Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default) => inner.TouchAsync(id, ttl, cancellationToken);

        public Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default) => inner.DestroyAsync(id, cancellationToken);

        public System.Collections.Generic.IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default) => inner.ListAsync(query, cancellationToken);

        public Task<long> CountAsync(SessionQuery query, CancellationToken cancellationToken = default) => inner.CountAsync(query, cancellationToken);

        public Task<long> DestroyManyAsync(SessionQuery query, CancellationToken cancellationToken = default) => inner.DestroyManyAsync(query, cancellationToken);
    }
}
