using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Conformance;

/// <summary>
/// The conformance suite every <see cref="ISessionStore"/> must pass. Subclass it once per store with a sealed class
/// and a fixture: <c>public sealed class MyStoreConformance(MyFixture f) : SessionStoreConformanceTests&lt;MyFixture&gt;(f);</c>
/// </summary>
/// <typeparam name="TFixture">The fixture that creates the store.</typeparam>
public abstract partial class SessionStoreConformanceTests<TFixture> : ConformanceTestBase<TFixture>
    where TFixture : class, ISessionStoreFixture
{
    /// <summary>Creates the suite.</summary>
    /// <param name="fixture">The fixture.</param>
    protected SessionStoreConformanceTests(TFixture fixture)
        : base(fixture)
    {
    }
}

/// <summary>Expiry tests on a fake clock, for stores that take a <see cref="TimeProvider"/>.</summary>
/// <typeparam name="TFixture">The fixture that creates the store.</typeparam>
public abstract partial class FakeClockConformanceTests<TFixture> : ConformanceTestBase<TFixture>
    where TFixture : class, IClockFixture
{
    /// <summary>Creates the suite.</summary>
    /// <param name="fixture">The fixture.</param>
    protected FakeClockConformanceTests(TFixture fixture)
        : base(fixture)
    {
    }
}

/// <summary>The corrupt-data policy (<see cref="SessionDataCorruptedException"/>), for stores with a serialised format.</summary>
/// <typeparam name="TFixture">The fixture that creates the store and plants damaged records.</typeparam>
public abstract partial class CorruptDataConformanceTests<TFixture> : ConformanceTestBase<TFixture>
    where TFixture : class, ICorruptDataFixture
{
    /// <summary>Creates the suite.</summary>
    /// <param name="fixture">The fixture.</param>
    protected CorruptDataConformanceTests(TFixture fixture)
        : base(fixture)
    {
    }
}

/// <summary>The failure rule: a backend that cannot be reached surfaces as a transient <see cref="SessionStoreException"/>
/// wrapping the driver's error, from every operation; bad input still fails first, without I/O.</summary>
/// <typeparam name="TFixture">The fixture that creates stores pointed at an unreachable backend.</typeparam>
public abstract partial class FailureConformanceTests<TFixture> : ConformanceTestBase<TFixture>
    where TFixture : class, IUnreachableBackendFixture
{
    /// <summary>Creates the suite.</summary>
    /// <param name="fixture">The fixture.</param>
    protected FailureConformanceTests(TFixture fixture)
        : base(fixture)
    {
    }
}

/// <summary>What the conformance suites share: store creation per test, unique ids, cleanup.</summary>
/// <typeparam name="TFixture">The fixture that creates the store.</typeparam>
public abstract partial class ConformanceTestBase<TFixture> : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : class, ISessionStoreFixture
{
    private readonly List<ISessionStore> _stores = [];

    /// <summary>Creates the base.</summary>
    /// <param name="fixture">The fixture.</param>
    protected ConformanceTestBase(TFixture fixture)
    {
        Fixture = fixture ?? throw new ArgumentNullException(nameof(fixture));
    }

    /// <summary>The fixture.</summary>
    protected TFixture Fixture { get; }

    /// <summary>The test's cancellation token.</summary>
    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <inheritdoc />
    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public virtual async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            switch (store)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>A fresh namespace name: <c>t</c> + 20 hex digits.</summary>
    /// <returns>The name.</returns>
    protected static string NewNamespace() => "t" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>A fresh session id.</summary>
    /// <returns>The id.</returns>
    protected static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>The TTL used where a test does not care about expiry: long enough never to expire during a run.</summary>
    protected static TimeSpan LongTtl { get; } = TimeSpan.FromMinutes(30);

    /// <summary>How long past its TTL a store without <see cref="ConformanceCapabilities.MillisecondExpiry"/> may keep a
    /// session: its TTL rounded up to a whole second, and a second more for a server clock that ticks once a second.</summary>
    public static TimeSpan WholeSecondExpirySlack { get; } = TimeSpan.FromSeconds(2);

    /// <summary>What every wait for an expiry adds: <see cref="WholeSecondExpirySlack"/> for a store without
    /// <see cref="ConformanceCapabilities.MillisecondExpiry"/>, nothing otherwise.</summary>
    protected TimeSpan ExpirySlack =>
        Fixture.Capabilities.HasFlag(ConformanceCapabilities.MillisecondExpiry) ? TimeSpan.Zero : WholeSecondExpirySlack;

    /// <summary>Asserts that two readings of one session's expiry are the same: exactly, or, for a store without
    /// <see cref="ConformanceCapabilities.MillisecondExpiry"/> (which reads a whole-second expiry off the server's
    /// once-a-second clock), within a second.</summary>
    /// <param name="expected">The first reading.</param>
    /// <param name="actual">The second reading.</param>
    protected void AssertSameExpiry(DateTimeOffset expected, DateTimeOffset actual)
    {
        if (Fixture.Capabilities.HasFlag(ConformanceCapabilities.MillisecondExpiry))
        {
            Assert.Equal(expected, actual);
        }
        else
        {
            Assert.True((actual - expected).Duration() <= TimeSpan.FromSeconds(1), $"expiry {actual:O}, before {expected:O}: more than a second apart");
        }
    }

    /// <summary>A write of <paramref name="data"/> with <see cref="LongTtl"/> unless told otherwise.</summary>
    /// <param name="data">The bytes.</param>
    /// <param name="ttl">The TTL.</param>
    /// <param name="subject">The subject.</param>
    /// <param name="expectedVersion">The expected version.</param>
    /// <returns>The write.</returns>
    protected static SessionWrite Write(byte[] data, TimeSpan? ttl = null, string? subject = null, long? expectedVersion = null) =>
        new(data, ttl ?? LongTtl, subject, expectedVersion);

    /// <summary>Bytes from a string, for readable tests.</summary>
    /// <param name="text">The text.</param>
    /// <returns>Its UTF-8 bytes.</returns>
    protected static byte[] Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    /// <summary>Sets a session unconditionally and asserts it succeeded.</summary>
    /// <param name="store">The store.</param>
    /// <param name="id">The id.</param>
    /// <param name="write">The write.</param>
    /// <returns>The new version.</returns>
    protected static async Task<long> SetOkAsync(ISessionStore store, string id, SessionWrite write)
    {
        var result = await store.SetAsync(id, write, Token);
        Assert.True(result.Succeeded, $"Set of {id} unexpectedly reported a conflict (current version {result.Version}).");
        return result.Version;
    }

    /// <summary>Collects a listing.</summary>
    /// <param name="store">The store.</param>
    /// <param name="query">The query.</param>
    /// <returns>Every entry listed.</returns>
    protected static async Task<List<SessionInfo>> ListAllAsync(ISessionStore store, SessionQuery query)
    {
        var list = new List<SessionInfo>();
        await foreach (var info in store.ListAsync(query, Token))
        {
            list.Add(info);
        }

        return list;
    }

    /// <summary>Creates a store over a fresh namespace; it is disposed after the test.</summary>
    /// <param name="options">Options; a fresh namespace when <see langword="null"/>.</param>
    /// <returns>The store.</returns>
    protected async Task<ISessionStore> CreateStoreAsync(ConformanceStoreOptions? options = null)
    {
        return Track(await Fixture.CreateStoreAsync(options ?? new ConformanceStoreOptions(NewNamespace()), Token));
    }

    /// <summary>Skips the test, naming the rule, unless the fixture declares every capability in
    /// <paramref name="needed"/>.</summary>
    /// <param name="needed">The capabilities the test exercises.</param>
    protected void Requires(ConformanceCapabilities needed)
    {
        var missing = needed & ~Fixture.Capabilities;
        if (missing != ConformanceCapabilities.None)
        {
            Assert.Skip($"The store declares that it does not support: {missing} (ISessionStoreFixture.Capabilities).");
        }
    }

    /// <summary>Whether the fixture declares every capability in <paramref name="needed"/>: a test of another rule checks
    /// what it can of <paramref name="needed"/>'s rules only then (a store that cannot list still keeps the rule under
    /// test; only its listing checks are left out).</summary>
    /// <param name="needed">The capabilities.</param>
    /// <returns><see langword="true"/> when all are declared.</returns>
    protected bool Supports(ConformanceCapabilities needed) => (needed & ~Fixture.Capabilities) == ConformanceCapabilities.None;

    /// <summary>Asserts the namespace holds <paramref name="expected"/> live sessions, when the store can count
    /// (<see cref="ConformanceCapabilities.Listing"/>); a store that cannot is asked nothing.</summary>
    /// <param name="store">The store.</param>
    /// <param name="expected">The count.</param>
    /// <returns>A task.</returns>
    protected async Task AssertCountAsync(ISessionStore store, long expected)
    {
        if (Supports(ConformanceCapabilities.Listing))
        {
            Assert.Equal(expected, await store.CountAsync(SessionQuery.All, Token));
        }
    }

    /// <summary>Registers a store created by other means for disposal after the test.</summary>
    /// <param name="store">The store.</param>
    /// <returns>The same store.</returns>
    protected ISessionStore Track(ISessionStore store)
    {
        _stores.Add(store);
        return store;
    }
}
