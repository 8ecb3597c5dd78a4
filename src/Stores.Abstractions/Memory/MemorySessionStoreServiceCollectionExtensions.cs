using System;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using SessionStores;
using SessionStores.Memory;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="MemorySessionStore"/>.</summary>
public static class MemorySessionStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="MemorySessionStore"/> as the application's <see cref="ISessionStore"/>.
    /// </summary>
    /// <remarks>
    /// An application has one session store, so this <em>replaces</em> any <see cref="ISessionStore"/> registered
    /// before (a later <c>Add*SessionStore</c> call wins, never a silent mix). Options are validated at start, by the
    /// validator the constructor uses. The store's clock is the registered <see cref="TimeProvider"/>
    /// (<see cref="TimeProvider.System"/> unless one was added).
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options; may be <see langword="null"/>.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddMemorySessionStore(this IServiceCollection services, Action<MemorySessionStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSessionStore<MemorySessionStore, MemorySessionStoreOptions, MemorySessionStoreOptionsValidator>(
            configure,
            static (provider, options) => new MemorySessionStore(options, provider.GetService<TimeProvider>(), provider.GetService<ILogger<MemorySessionStore>>()));
        return services;
    }
}
