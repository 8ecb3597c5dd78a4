using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Conformance;

/// <summary>
/// A fixture with a backend of its own that a test can stall (every server process stopped, connections left open, as
/// in a hung host) and revive; it unlocks <see cref="StalledBackendConformanceTests{TFixture}"/>. Its
/// <see cref="ISessionStoreFixture.CreateStoreAsync"/> must create stores on that backend with
/// <see cref="ConformanceStoreOptions.OperationTimeout"/> applied. The backend serves this fixture only: the suite's
/// tests stall it, and they run one after another.
/// </summary>
public interface IStallableBackendFixture : ISessionStoreFixture
{
    /// <summary>Stops the backend (SIGSTOP of every server process), starting it first if need be; completes once it no
    /// longer answers.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the backend is stalled.</returns>
    ValueTask PauseAsync(CancellationToken cancellationToken);

    /// <summary>Continues the backend stopped by <see cref="PauseAsync"/> (SIGCONT); a no-op when it is not stalled.</summary>
    void Resume();
}

/// <summary>
/// The deadline rule (<see cref="SessionStoreOptions.OperationTimeout"/>): with the backend stalled, every operation
/// throws a transient <see cref="SessionStoreException"/> within the operation timeout plus one second, a brand-new
/// store's first use included, and so does each <see cref="ISessionLeaseStore"/> operation of a store that has them (a
/// waiting acquisition within its wait plus that); once the backend answers again, the same store works again within two seconds.
/// </summary>
/// <typeparam name="TFixture">The fixture with a stallable backend.</typeparam>
public abstract partial class StalledBackendConformanceTests<TFixture> : ConformanceTestBase<TFixture>
    where TFixture : class, IStallableBackendFixture
{
    /// <summary>The operation timeout the suite's stores get.</summary>
    protected static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The bound on each operation of a stalled store: the operation timeout plus one second.</summary>
    protected static readonly TimeSpan Bound = OperationTimeout + TimeSpan.FromSeconds(1);

    /// <summary>How long a revived backend may take until the same store works again.</summary>
    protected static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(2);

    /// <summary>Creates the suite.</summary>
    /// <param name="fixture">The fixture.</param>
    protected StalledBackendConformanceTests(TFixture fixture)
        : base(fixture)
    {
    }

    /// <summary>The operations of the contract, each asserted on its own.</summary>
    public static TheoryData<string> Operations { get; } =
        ["get", "get_and_touch", "set", "compare_and_set", "touch", "destroy", "list", "count", "destroy_many"];

    /// <summary>Every operation of a warmed-up store (schema made, connections open) times out on a stalled backend.</summary>
    /// <param name="operation">The operation.</param>
    /// <returns>A task.</returns>
    [Theory]
    [MemberData(nameof(Operations))]
    public async Task An_operation_on_a_stalled_backend_throws_a_transient_timeout_within_the_deadline_and_recovers_after_resume(string operation)
    {
        var store = await CreateStallableStoreAsync();
        var id = NewId();
        var version = await WarmUpAsync(store, id, subject: "alice");

        await Fixture.PauseAsync(Token);
        try
        {
            await AssertTimesOutAsync(() => RunAsync(store, operation, id, version), operation);
        }
        finally
        {
            Fixture.Resume();
        }

        await AssertRecoversAsync(store, id);
    }

    /// <summary>A store created while the backend is stalled (first use: connect, schema) times out too, then recovers.</summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task A_new_stores_first_use_on_a_stalled_backend_times_out_within_the_deadline_and_recovers_after_resume()
    {
        await Fixture.PauseAsync(Token);
        ISessionStore store;
        var id = NewId();
        try
        {
            store = await CreateStallableStoreAsync();
            await AssertTimesOutAsync(() => store.GetAsync(id, Token), "first get");
            await AssertTimesOutAsync(() => store.SetAsync(id, Write(Bytes("x")), Token), "first set");
        }
        finally
        {
            Fixture.Resume();
        }

        await AssertRecoversAsync(store, id);
    }

    /// <summary>The caller's own cancellation on a stalled backend is still a cancellation, not a timeout.</summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task The_callers_cancellation_on_a_stalled_backend_stays_a_cancellation()
    {
        var store = await CreateStallableStoreAsync();
        var id = NewId();
        await WarmUpAsync(store, id, subject: null);

        await Fixture.PauseAsync(Token);
        try
        {
            using var caller = CancellationTokenSource.CreateLinkedTokenSource(Token);
            caller.CancelAfter(OperationTimeout / 4);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetAsync(id, caller.Token));
        }
        finally
        {
            Fixture.Resume();
        }

        await AssertRecoversAsync(store, id);
    }

    private async Task<ISessionStore> CreateStallableStoreAsync() =>
        await CreateStoreAsync(new ConformanceStoreOptions(NewNamespace()) { OperationTimeout = OperationTimeout });

    // The first use of a store in a cold test process (connecting, compiling the driver's code) may take longer than
    // the short timeout of the suite on a loaded machine: that is not under test here, so it is retried for a while.
    private static async Task<long> WarmUpAsync(ISessionStore store, string id, string? subject)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await SetOkAsync(store, id, Write(Bytes("before"), subject: subject));
            }
            catch (SessionStoreException) when (elapsed.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50, Token);
            }
        }
    }

    private static async Task AssertTimesOutAsync(Func<Task> call, string operation, TimeSpan? bound = null)
    {
        var limit = bound ?? Bound;
        var elapsed = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<SessionStoreException>(call);
        elapsed.Stop();

        Assert.True(ex.IsTransient, $"{operation}: {ex}");
        Assert.True(elapsed.Elapsed <= limit, $"{operation} took {elapsed.Elapsed.TotalSeconds:0.00} s on a stalled backend, more than {limit.TotalSeconds} s: {ex}");
    }

    private static async Task AssertRecoversAsync(ISessionStore store, string id)
    {
        var elapsed = Stopwatch.StartNew();
        Exception? last = null;
        while (true)
        {
            try
            {
                await store.SetAsync(id, Write(Bytes("after")), Token);
                var record = await store.GetAsync(id, Token);
                Assert.Equal(Bytes("after"), record?.Data.ToArray());
                return;
            }
            catch (SessionStoreException ex)
            {
                last = ex;
            }

            Assert.True(elapsed.Elapsed <= RecoveryBound, $"The store did not work again within {RecoveryBound.TotalSeconds} s after the backend resumed: {last}");
            await Task.Delay(20, Token);
        }
    }

    private static async Task RunAsync(ISessionStore store, string operation, string id, long version)
    {
        switch (operation)
        {
            case "get": await store.GetAsync(id, Token); break;
            case "get_and_touch": await store.GetAndTouchAsync(id, LongTtl, Token); break;
            case "set": await store.SetAsync(id, Write(Bytes("x")), Token); break;
            case "compare_and_set": await store.SetAsync(id, Write(Bytes("x"), expectedVersion: version), Token); break;
            case "touch": await store.TouchAsync(id, LongTtl, Token); break;
            case "destroy": await store.DestroyAsync(id, Token); break;
            case "list": await foreach (var _ in store.ListAsync(SessionQuery.All, Token)) { } break;
            case "count": await store.CountAsync(SessionQuery.All, Token); break;
            default: await store.DestroyManyAsync(SessionQuery.ForSubject("alice"), Token); break;
        }
    }
}
