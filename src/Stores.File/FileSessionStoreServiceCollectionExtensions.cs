using System;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionStores;
using SessionStores.File;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="FileSessionStore"/>.</summary>
public static class FileSessionStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="FileSessionStore"/> as the application's <see cref="ISessionStore"/>.
    /// </summary>
    /// <remarks>
    /// An application has one session store, so this <em>replaces</em> any <see cref="ISessionStore"/> registered
    /// before (a later <c>Add*SessionStore</c> call wins, never a silent mix). Options are validated at start; the
    /// store's directory is created when the store is first resolved.
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options; <see cref="FileSessionStoreOptions.Directory"/> is required.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddFileSessionStore(this IServiceCollection services, Action<FileSessionStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<FileSessionStoreOptions>()
            .Configure(configure)
            .Validate(o => FileSessionStore.ValidateOptions(o) is null, "FileSessionStoreOptions are invalid: Directory is required; MaxDataBytes, ReapInterval, ReapBatchSize, LockTimeout and OrphanTempFileAge must be positive; OperationTimeout must be greater than zero and at most 10 minutes.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.Replace(ServiceDescriptor.Singleton<FileSessionStore, FileSessionStore>(sp => new FileSessionStore(
            sp.GetRequiredService<IOptions<FileSessionStoreOptions>>().Value,
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<FileSessionStore>>())));
        services.Replace(ServiceDescriptor.Singleton<ISessionStore>(sp => sp.GetRequiredService<FileSessionStore>()));
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
