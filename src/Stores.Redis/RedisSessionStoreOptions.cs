using StackExchange.Redis;

namespace SessionStores.Redis;

/// <summary>Options of <see cref="RedisSessionStore"/>. Set exactly one of <see cref="ConnectionString"/>,
/// <see cref="Configuration"/> or <see cref="ConnectionMultiplexer"/>.</summary>
public sealed class RedisSessionStoreOptions : SessionStoreOptions
{
    /// <summary>
    /// A StackExchange.Redis connection string, for example <c>localhost:6379</c> or, for a cluster, some of its
    /// nodes (<c>node1:6379,node2:6379</c>). The store then owns its connection: it connects on first use and disposes
    /// the connection with the store. Default: <see langword="null"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// A StackExchange.Redis configuration, as an alternative to <see cref="ConnectionString"/>; the store owns the
    /// connection made from it (it uses a copy, with <see cref="ConfigurationOptions.AbortOnConnectFail"/> off and
    /// <see cref="ConfigurationOptions.IncludeDetailInExceptions"/> off, so that no error message names a key, which
    /// holds a session id). Default: <see langword="null"/>.
    /// </summary>
    public ConfigurationOptions? Configuration { get; set; }

    /// <summary>
    /// An existing connection shared with the application. The store never closes it. Turn its
    /// <see cref="ConfigurationOptions.IncludeDetailInExceptions"/> off, or its error messages (which the store's
    /// exceptions include) name keys, and a key holds a session id. Default: <see langword="null"/>;
    /// <c>AddRedisSessionStore</c> takes the <see cref="IConnectionMultiplexer"/> registered in the container when no
    /// connection is configured.
    /// </summary>
    public IConnectionMultiplexer? ConnectionMultiplexer { get; set; }

    /// <summary>
    /// The key prefix, which is the store's namespace: its listings, counts and bulk deletes see only keys under it,
    /// even when it contains glob characters such as <c>*</c> or <c>[</c>. It must not be empty (the whole database is
    /// no namespace) and must not contain <c>{</c> or <c>}</c>, because the store adds its own Redis Cluster hash tags.
    /// Default: <c>"session:"</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = "session:";

    /// <summary>
    /// Whether writes, destroys and bulk deletes are announced on the channel <c>{KeyPrefix}invalidations</c> (a
    /// <c>PUBLISH</c> inside the write script, and one pipelined behind a destroy), for the near caches of
    /// every process (<c>AddSessionStoreNearCache</c>). Leave it on in every process that writes a store some process reads
    /// through a near cache, or those caches serve what it changed until their <c>MaxEntryAge</c>. Default:
    /// <see langword="true"/>.
    /// </summary>
    public bool PublishInvalidations { get; set; } = true;

    /// <summary>The database number, or -1 for the connection's default. A Redis Cluster has only database 0.
    /// Default: -1.</summary>
    public int Database { get; set; } = -1;
}
