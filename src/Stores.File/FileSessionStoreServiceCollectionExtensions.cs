using System;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using SessionStores;
using SessionStores.File;
using SessionStores.File.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="FileSessionStore"/>.</summary>
public static class FileSessionStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="FileSessionStore"/> as the application's <see cref="ISessionStore"/>.
    /// </summary>
    /// <remarks>
    /// An application has one session store, so this <em>replaces</em> any <see cref="ISessionStore"/> registered
    /// before (a later <c>Add*SessionStore</c> call wins, never a silent mix). Options are validated at start, by the
    /// validator the constructor uses; the store's directory is created when the store is first resolved. The store's
    /// clock is the registered <see cref="TimeProvider"/> (<see cref="TimeProvider.System"/> unless one was added).
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options; <see cref="FileSessionStoreOptions.Directory"/> is required.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddFileSessionStore(this IServiceCollection services, Action<FileSessionStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSessionStore<FileSessionStore, FileSessionStoreOptions, FileSessionStoreOptionsValidator>(
            configure,
            static (provider, options) => new FileSessionStore(options, provider.GetService<TimeProvider>(), provider.GetService<ILogger<FileSessionStore>>()));
        return services;
    }

    /// <summary>
    /// Registers a singleton <see cref="FileSessionStore"/> over <paramref name="directory"/> with default options as
    /// the application's <see cref="ISessionStore"/> (replacing any registered before).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="directory">The directory that holds the sessions (<see cref="FileSessionStoreOptions.Directory"/>).</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddFileSessionStore(this IServiceCollection services, string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        return services.AddFileSessionStore(o => o.Directory = directory);
    }
}
