using System;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
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
    /// before (a later <c>Add*SessionStore</c> call wins, never a silent mix). Options are validated at start.
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options; may be <see langword="null"/>.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddMemorySessionStore(this IServiceCollection services, Action<MemorySessionStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<MemorySessionStoreOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options
            .Validate(o => o.MaxDataBytes > 0, "MemorySessionStoreOptions.MaxDataBytes must be positive.")
            .Validate(o => o.MaxSessions is null or > 0, "MemorySessionStoreOptions.MaxSessions must be positive or null.")
            .Validate(o => o.PruneInterval > TimeSpan.Zero, "MemorySessionStoreOptions.PruneInterval must be positive.")
            .Validate(o => o.PruneBatchSize > 0, "MemorySessionStoreOptions.PruneBatchSize must be positive.")
            .Validate(
                o => SessionStoreOperationRunner.ValidateOperationTimeout(o.OperationTimeout, nameof(MemorySessionStoreOptions)) is null,
                $"MemorySessionStoreOptions.OperationTimeout must be greater than zero and at most {SessionLimits.MaxOperationTimeout}.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.Replace(ServiceDescriptor.Singleton<MemorySessionStore, MemorySessionStore>(sp => new MemorySessionStore(
            sp.GetRequiredService<IOptions<MemorySessionStoreOptions>>().Value,
            sp.GetService<TimeProvider>(),
            sp.GetService<Microsoft.Extensions.Logging.ILogger<MemorySessionStore>>())));
        services.Replace(ServiceDescriptor.Singleton<ISessionStore>(sp => sp.GetRequiredService<MemorySessionStore>()));
        return services;
    }
}
