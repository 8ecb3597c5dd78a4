using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SessionStores.Abstractions.Tests;
using SessionStores.Conformance;
using SessionStores.Encryption;
using SessionStores.File.Tests;
using SessionStores.Postgres.Tests;
using SessionStores.Redis.Tests;
using Xunit;

namespace SessionStores.Extensions.Tests;

public sealed class MemoryEncryptionTests(EncryptedFixture<MemoryFixture> fixture) : EncryptionTests<MemoryFixture>(fixture);

public sealed class FileEncryptionTests(EncryptedFixture<FileStoreFixture> fixture) : EncryptionTests<FileStoreFixture>(fixture);

public sealed class RedisEncryptionTests(EncryptedFixture<RedisFixture> fixture) : EncryptionTests<RedisFixture>(fixture);

public sealed class PostgresEncryptionTests(EncryptedFixture<PostgresFixture> fixture) : EncryptionTests<PostgresFixture>(fixture);

/// <summary>What the decorator adds to the contract, on each backend: what the inner store holds, and what does not open.</summary>
public abstract class EncryptionTests<TInner>(EncryptedFixture<TInner> fixture) : IClassFixture<EncryptedFixture<TInner>>
    where TInner : ISessionStoreFixture, new()
{
    private const int DataProtectionHeaderBytes = 4;
    private const int SealedHeaderBytes = 5;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static SessionWrite Write(byte[] data) => new(data, TimeSpan.FromMinutes(5));

    private static string NewId() => "id-" + Guid.NewGuid().ToString("N");

    private async Task<(EncryptedSessionStore Store, ListLogger<EncryptedSessionStore> Log)> CreateAsync(IDataProtectionProvider? dataProtection = null, int maxDataBytes = SessionLimits.DefaultMaxDataBytes)
    {
        var log = new ListLogger<EncryptedSessionStore>();
        var store = await fixture.CreateAsync(
            new ConformanceStoreOptions(EncryptedFixture<TInner>.NewNamespace()) { MaxDataBytes = maxDataBytes }, dataProtection ?? fixture.DataProtection, log, Token);
        return (store, log);
    }

    [Fact]
    public async Task The_inner_store_holds_no_plaintext()
    {
        var (store, _) = await CreateAsync();
        await using var _ = store;
        var id = NewId();
        var secret = System.Text.Encoding.UTF8.GetBytes("card=4111-1111-1111-1111;user=alice@example.com;" + new string('x', 200));

        Assert.True((await store.SetAsync(id, Write(secret), Token)).Succeeded);

        var stored = (await store.Inner.GetAsync(id, Token))!.Data.ToArray();
        Assert.Equal(secret.Length + EncryptedSessionStore.SealingOverheadBytes, stored.Length);
        Assert.False(ContainsAnySlice(stored, secret, 8), "A run of 8 plaintext bytes appears in the stored record.");
        var listed = await store.Inner.ListAsync(SessionQuery.All with { IncludeData = true }, Token).SingleAsync(Token);
        Assert.False(ContainsAnySlice(listed.Data!.Value.ToArray(), secret, 8), "The inner listing shows plaintext.");
        Assert.Equal(secret, (await store.GetAsync(id, Token))!.Data.ToArray());
        Assert.Equal(secret.Length, (await store.ListAsync(SessionQuery.All, Token).SingleAsync(Token)).Size);
    }

    [Fact]
    public async Task A_record_copied_to_another_id_does_not_open_and_the_original_still_does()
    {
        var (store, log) = await CreateAsync();
        await using var _ = store;
        var (original, copy) = (NewId(), NewId());
        await store.SetAsync(original, Write([1, 2, 3]), Token);
        var stored = (await store.Inner.GetAsync(original, Token))!.Data;

        await store.Inner.SetAsync(copy, Write(stored.ToArray()), Token);

        Assert.Null(await store.GetAsync(copy, Token));
        Assert.Null(await store.GetAndTouchAsync(copy, TimeSpan.FromMinutes(1), Token));
        Assert.Equal([1, 2, 3], (await store.GetAsync(original, Token))!.Data.ToArray());
        AssertLoggedWithoutId(log, copy);
    }

    [Fact]
    public async Task A_tampered_record_is_absent_and_logged_at_warning_without_the_id()
    {
        var (store, log) = await CreateAsync();
        await using var _ = store;
        var id = NewId();
        await store.SetAsync(id, Write([7, 7, 7, 7]), Token);
        var stored = (await store.Inner.GetAsync(id, Token))!.Data.ToArray();
        stored[SealedHeaderBytes + 40] ^= 0x01;
        await store.Inner.SetAsync(id, Write(stored), Token);

        Assert.Null(await store.GetAsync(id, Token));
        Assert.Empty(await store.ListAsync(SessionQuery.All with { IncludeData = true }, Token).ToListAsync(Token));

        AssertLoggedWithoutId(log, id);
        Assert.Equal(2, log.Count(1950));
    }

    [Fact]
    public async Task A_record_written_unencrypted_is_absent()
    {
        var (store, log) = await CreateAsync();
        await using var _ = store;
        var id = NewId();
        await store.Inner.SetAsync(id, Write(new byte[300]), Token);

        Assert.Null(await store.GetAsync(id, Token));
        AssertLoggedWithoutId(log, id);
    }

    [Fact]
    public async Task After_key_rotation_old_records_open_and_new_ones_use_the_new_key_and_a_key_ring_without_the_key_opens_nothing()
    {
        var keys = new DirectoryInfo(Path.Combine(Path.GetTempPath(), "sessionstores-keys", Guid.NewGuid().ToString("N")));
        try
        {
            // Before: the key ring's first key seals a record.
            var before = NewId();
            var first = KeyRing(keys);
            var (store, _) = await CreateAsync(first.GetRequiredService<IDataProtectionProvider>());
            await using var _ = store;
            await store.SetAsync(before, Write([1]), Token);
            var oldKey = first.GetRequiredService<IKeyManager>().GetAllKeys().Single().KeyId;
            first.GetRequiredService<IKeyManager>().CreateNewKey(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(90));
            await first.DisposeAsync();

            // Data Protection makes a new key the default only once it has had time to reach every server (its propagation
            // window, two days): the key files are dated back as if that time had passed, and the app restarted.
            AgeKeys(keys, oldKey);
            await using var rotated = KeyRing(keys);
            var log = new ListLogger<EncryptedSessionStore>();
            var rotatedStore = EncryptedSessionStore.Create(store.Inner, rotated.GetRequiredService<IDataProtectionProvider>(), logger: log);
            var after = NewId();
            await rotatedStore.SetAsync(after, Write([2]), Token);

            Assert.Equal(oldKey, await KeyIdAsync(rotatedStore, before));
            Assert.NotEqual(oldKey, await KeyIdAsync(rotatedStore, after));
            Assert.Equal([1], (await rotatedStore.GetAsync(before, Token))!.Data.ToArray());
            Assert.Equal([2], (await rotatedStore.GetAsync(after, Token))!.Data.ToArray());

            // A key ring that does not hold the keys (another application's, or one whose keys were lost) opens nothing.
            var elsewhere = EncryptedSessionStore.Create(store.Inner, new EphemeralDataProtectionProvider(), logger: log);
            Assert.Null(await elsewhere.GetAsync(before, Token));
            AssertLoggedWithoutId(log, before);
        }
        finally
        {
            if (keys.Exists)
            {
                keys.Delete(recursive: true);
            }
        }
    }

    private static ServiceProvider KeyRing(DirectoryInfo keys) =>
        new ServiceCollection().AddDataProtection().PersistKeysToFileSystem(keys).Services.BuildServiceProvider();

    /// <summary>Dates the old key ten days back and the new one three days back (created) and one minute back (activated).</summary>
    private static void AgeKeys(DirectoryInfo keys, Guid oldKey)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var file in keys.GetFiles("key-*.xml"))
        {
            var xml = XDocument.Load(file.FullName);
            var old = (Guid)xml.Root!.Attribute("id")! == oldKey;
            xml.Root.Element("creationDate")!.Value = XmlConvert.ToString(now.AddDays(old ? -10 : -3));
            xml.Root.Element("activationDate")!.Value = XmlConvert.ToString(now.AddDays(old ? -10 : 0).AddMinutes(-1));
            xml.Save(file.FullName);
        }
    }

    [Fact]
    public async Task A_write_over_the_limit_is_rejected_before_anything_is_stored_and_one_at_the_limit_fits_the_inner_store()
    {
        var (store, _) = await CreateAsync(maxDataBytes: 1000);
        await using var _ = store;
        var id = NewId();

        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.SetAsync(id, Write(new byte[1001]), Token));
        Assert.Contains("1000", ex.Message, StringComparison.Ordinal);
        Assert.Null(await store.Inner.GetAsync(id, Token));

        Assert.True((await store.SetAsync(id, Write(new byte[1000]), Token)).Succeeded);
        Assert.Equal(1000 + EncryptedSessionStore.SealingOverheadBytes, (await store.Inner.GetAsync(id, Token))!.Data.Length);
    }

    [Fact]
    public async Task Leases_pass_through_when_the_inner_store_has_them()
    {
        var (store, _) = await CreateAsync();
        await using var _ = store;
        Assert.Equal(store.Inner is ISessionLeaseStore, store is ISessionLeaseStore);
        if (store is ISessionLeaseStore leases)
        {
            var lease = await leases.AcquireLeaseAsync(NewId(), TimeSpan.FromSeconds(30), TimeSpan.Zero, Token);
            Assert.NotNull(lease);
            Assert.True(await leases.ReleaseLeaseAsync(lease, Token));
        }
    }

    private async Task<Guid> KeyIdAsync(EncryptedSessionStore store, string id)
    {
        var stored = (await store.Inner.GetAsync(id, Token))!.Data;
        return new Guid(stored.Span.Slice(SealedHeaderBytes + DataProtectionHeaderBytes, 16));
    }

    private static void AssertLoggedWithoutId(ListLogger<EncryptedSessionStore> log, string id)
    {
        var warnings = log.Entries.Where(e => e.EventId == 1950 && e.Message.Contains(SessionValidation.Tag(id), StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(warnings);
        Assert.All(warnings, w => Assert.Equal(LogLevel.Warning, w.Level));
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains(id, StringComparison.Ordinal));
    }

    private static bool ContainsAnySlice(byte[] haystack, byte[] needle, int length) =>
        Enumerable.Range(0, needle.Length - length + 1).Any(i => haystack.AsSpan().IndexOf(needle.AsSpan(i, length)) >= 0);
}
