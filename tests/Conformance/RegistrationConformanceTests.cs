using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace SessionStores.Conformance;

/// <summary>
/// The registration rules every store's <c>Add{Name}SessionStore</c> keeps, shared instead of one DI test file per
/// store: the registered store is the application's one <see cref="ISessionStore"/> and works; it replaces a store
/// registered before it; invalid options fail at start-up naming the option, with the same message the store's
/// constructor gives. A store adds a sealed subclass next to its conformance suite.
/// </summary>
/// <typeparam name="TStore">The store.</typeparam>
/// <typeparam name="TOptions">Its options.</typeparam>
public abstract class RegistrationConformanceTests<TStore, TOptions>
    where TStore : class, ISessionStore
    where TOptions : SessionStoreOptions, new()
{
    /// <summary>Sets options that reach a live backend in a fresh namespace (skipping the test when the backend is
    /// missing, as <see cref="ISessionStoreFixture.CreateStoreAsync"/> does).</summary>
    /// <param name="cancellationToken">Cancels the preparation.</param>
    /// <returns>What sets the options.</returns>
    protected abstract ValueTask<Action<TOptions>> ValidOptionsAsync(CancellationToken cancellationToken);

    /// <summary>Sets valid options for <see cref="Invalid_options_fail_registration_and_construction_alike_naming_the_option"/>,
    /// which does no I/O (no store is built from valid options there). Default: <see cref="ValidOptionsAsync"/>; a store
    /// whose backend may be missing returns options that need none, so that the test runs without it.</summary>
    /// <param name="cancellationToken">Cancels the preparation.</param>
    /// <returns>What sets the options.</returns>
    protected virtual ValueTask<Action<TOptions>> OptionsWithoutBackendAsync(CancellationToken cancellationToken) => ValidOptionsAsync(cancellationToken);

    /// <summary>Calls the store's <c>Add{Name}SessionStore</c>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    protected abstract void Register(IServiceCollection services, Action<TOptions> configure);

    /// <summary>Calls the store's constructor.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The store.</returns>
    protected abstract TStore Create(TOptions options);

    /// <summary>Changes that make valid options invalid, each with the option's name, which both messages must hold.
    /// The shared options (<see cref="SessionStoreOptions"/>) are checked by the suite itself.</summary>
    protected abstract IEnumerable<(string Option, Action<TOptions> Break)> InvalidOptions { get; }

    /// <summary>The registered store is one singleton, resolved as itself and as <see cref="ISessionStore"/>, and
    /// it works.</summary>
    [Fact]
    public async Task The_registered_store_is_the_one_session_store_and_works()
    {
        var ct = TestContext.Current.CancellationToken;
        var services = new ServiceCollection();
        Register(services, await ValidOptionsAsync(ct));
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<ISessionStore>();
        var id = "reg-" + Guid.NewGuid().ToString("N");
        await store.SetAsync(id, new SessionWrite(new byte[] { 7 }, TimeSpan.FromMinutes(1)), ct);

        Assert.Same(provider.GetRequiredService<TStore>(), store);
        Assert.Same(store, provider.GetRequiredService<ISessionStore>());
        Assert.Equal(new byte[] { 7 }, (await store.GetAsync(id, ct))!.Data.ToArray());
        Assert.True(await store.DestroyAsync(id, ct));
    }

    /// <summary>An application has one session store: the last registration wins, and is the only one.</summary>
    [Fact]
    public async Task The_registration_replaces_an_earlier_store()
    {
        var services = new ServiceCollection();
        services.AddMemorySessionStore();
        Register(services, await ValidOptionsAsync(TestContext.Current.CancellationToken));
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<TStore>(Assert.Single(provider.GetServices<ISessionStore>()));
    }

    /// <summary>Every invalid option, the shared ones included, fails at start-up naming it, and the constructor rejects
    /// the same options with the same message, before any I/O.</summary>
    [Fact]
    public async Task Invalid_options_fail_registration_and_construction_alike_naming_the_option()
    {
        var valid = await OptionsWithoutBackendAsync(TestContext.Current.CancellationToken);
        var cases = new List<(string Option, Action<TOptions> Break)>
        {
            ("MaxDataBytes", o => o.MaxDataBytes = 0),
            ("OperationTimeout", o => o.OperationTimeout = TimeSpan.Zero),
            ("OperationTimeout", o => o.OperationTimeout = SessionLimits.MaxOperationTimeout + TimeSpan.FromSeconds(1)),
        };
        cases.AddRange(InvalidOptions);
        Assert.True(cases.Count > 3, "A store lists the invalid values of its own options (InvalidOptions).");

        foreach (var (option, breakOptions) in cases)
        {
            void Configure(TOptions o)
            {
                valid(o);
                breakOptions(o);
            }

            var services = new ServiceCollection();
            Register(services, Configure);
            await using var provider = services.BuildServiceProvider();
            var atStart = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TOptions>>().Value);

            var options = new TOptions();
            Configure(options);
            var atConstruction = Assert.ThrowsAny<ArgumentException>(() => Create(options));

            Assert.Contains(option, atStart.Message, StringComparison.Ordinal);
            Assert.Contains(option, atConstruction.Message, StringComparison.Ordinal);
            Assert.Contains(System.Linq.Enumerable.First(atStart.Failures), atConstruction.Message, StringComparison.Ordinal);
        }
    }
}
