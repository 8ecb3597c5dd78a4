using System;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionStores;
using SessionStores.Mongo;
using SessionStores.Mongo.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="MongoSessionStore"/>.</summary>
public static class MongoSessionStoreServiceCollectionExtensions
{
    /// <summary>Registers a singleton <see cref="MongoSessionStore"/> as the application's <see cref="ISessionStore"/>.</summary>
    /// <remarks>
    /// An application has one session store, so this <em>replaces</em> any <see cref="ISessionStore"/> registered before
    /// (the last <c>Add*SessionStore</c> call wins, never a silent mix). Options are validated at start: set
    /// <see cref="MongoSessionStoreOptions.ConnectionString"/> or pass an existing
    /// <see cref="MongoSessionStoreOptions.Client"/>.
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddMongoSessionStore(this IServiceCollection services, Action<MongoSessionStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<MongoSessionStoreOptions>()
            .Configure(configure)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MongoSessionStoreOptions>, Validator>());

        services.Replace(ServiceDescriptor.Singleton<MongoSessionStore, MongoSessionStore>(sp => new MongoSessionStore(
            sp.GetRequiredService<IOptions<MongoSessionStoreOptions>>().Value,
            sp.GetService<ILogger<MongoSessionStore>>())));
        services.Replace(ServiceDescriptor.Singleton<ISessionStore>(sp => sp.GetRequiredService<MongoSessionStore>()));
        return services;
    }

    /// <summary>Reports the first problem of the options, naming the setting to fix.</summary>
    private sealed class Validator : IValidateOptions<MongoSessionStoreOptions>
    {
        public ValidateOptionsResult Validate(string? name, MongoSessionStoreOptions options) =>
            MongoNames.Problem(options) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
