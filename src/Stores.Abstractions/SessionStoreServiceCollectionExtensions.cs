using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SessionStores;

/// <summary>
/// The registration every store's <c>Add{Name}SessionStore</c> makes, in one place: its options with their one
/// validator, checked at start-up, and the store as the application's one <see cref="ISessionStore"/>.
/// </summary>
public static partial class SessionStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers a store: <typeparamref name="TOptions"/> configured by <paramref name="configure"/> and validated by
    /// <typeparamref name="TValidator"/> at start-up (<c>ValidateOnStart</c>), and <typeparamref name="TStore"/> as a
    /// singleton that is also the <see cref="ISessionStore"/>.
    /// </summary>
    /// <remarks>The store replaces (<c>Replace</c>, not <c>TryAdd</c>) any store registered before it: an application has
    /// one session store, and the last registration is the one its code asked for. The options are added to, so a second
    /// registration of the same store type configures the same options.</remarks>
    /// <typeparam name="TStore">The store.</typeparam>
    /// <typeparam name="TOptions">Its options.</typeparam>
    /// <typeparam name="TValidator">The options' validator (the one the store's constructor uses).</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options; <see langword="null"/> keeps the defaults.</param>
    /// <param name="create">Creates the store from the validated options.</param>
    /// <returns>The options builder, for a store that completes its options from the services (<c>PostConfigure</c>).</returns>
    public static OptionsBuilder<TOptions> AddSessionStore<TStore, TOptions, TValidator>(
        this IServiceCollection services, Action<TOptions>? configure, Func<IServiceProvider, TOptions, TStore> create)
        where TStore : class, ISessionStore
        where TOptions : SessionStoreOptions
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(create);
        var options = services.AddOptions<TOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        services.Replace(ServiceDescriptor.Singleton(provider => create(provider, provider.GetRequiredService<IOptions<TOptions>>().Value)));
        services.Replace(ServiceDescriptor.Singleton<ISessionStore>(provider => provider.GetRequiredService<TStore>()));
        return options;
    }
}
