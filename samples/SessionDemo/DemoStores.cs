using System;
using System.IO;
using Microsoft.Extensions.DependencyInjection;

namespace SessionDemo;

/// <summary>Picks the session store from <c>--store</c>.</summary>
internal static class DemoStores
{
    public static void Register(IServiceCollection services, DemoSettings settings)
    {
        switch (settings.Store)
        {
            case "memory":
                services.AddMemorySessionStore(o => Common(o, settings));
                break;
            case "file":
                // The default: no server needed; one file per session in a directory.
                services.AddFileSessionStore(o =>
                {
                    o.Directory = settings.Connection ?? DefaultFileDirectory();
                    o.FlushToDisk = settings.FileFlushToDisk ?? o.FlushToDisk;
                    o.ReuseFiles = settings.FileReuseFiles ?? o.ReuseFiles;
                    Common(o, settings);
                });
                break;
            case "redis":
                services.AddRedisSessionStore(o =>
                {
                    o.ConnectionString = Required(settings);
                    o.PublishInvalidations = settings.NearCache;
                    Common(o, settings);
                });
                AddNearCache(services, settings);
                break;
            case "postgres":
                services.AddPostgresSessionStore(Required(settings), o =>
                {
                    o.PublishInvalidations = settings.NearCache;
                    o.Durability = settings.PostgresDurability ?? o.Durability;
                    Common(o, settings);
                });
                AddNearCache(services, settings);
                break;
            case "mysql":
                // A MySqlConnector connection string with a Database; the store creates its table there.
                services.AddMySqlSessionStore(Required(settings), o => Common(o, settings));
                break;
            case "mongo":
                services.AddMongoSessionStore(o =>
                {
                    o.ConnectionString = Required(settings);
                    Common(o, settings);
                });
                break;
            case "sqlserver":
                services.AddSqlServerSessionStore(o =>
                {
                    o.ConnectionString = Required(settings);
                    Common(o, settings);
                });
                break;
            case "memcached":
                // A cache: no listing (the admin page answers 501), whole-second expiry, sessions lost with a server.
                services.AddMemcachedSessionStore(o =>
                {
                    o.ConnectionString = Required(settings);
                    Common(o, settings);
                });
                break;
            case "cookie":
                // No store: the whole session travels in the browser's cookie (Data Protection). "Sign out everywhere"
                // needs somewhere to keep a generation per user; a real deployment uses a store every instance shares.
                services.AddCookieSession(o =>
                {
                    o.AbsoluteTimeout = settings.AbsoluteTimeout;
                    o.TouchThreshold = settings.TouchThreshold;
                    o.RevocationStore = new SessionStores.Memory.MemorySessionStore();
                });
                return;
            case "express-redis" or "express-postgres" or "express-file":
                // An Express app's sessions, in its store's format, under its signed cookie (JSON values, no listing).
                DemoExpressStores.Register(services, settings);
                return;
            case "builtin-memory":
                // ASP.NET Core's own session over its in-memory cache: the ceiling the benchmark compares against.
                services.AddDistributedMemoryCache();
                return;
            case "builtin-redis":
                // ASP.NET Core's own session over Microsoft's Redis cache: the incumbent.
                services.AddStackExchangeRedisCache(o =>
                {
                    o.Configuration = Required(settings);
                    o.InstanceName = "builtin:";
                });
                return;
            default:
                throw new InvalidOperationException(
                    $"Unknown --store '{settings.Store}': use memory, file, redis, postgres, mysql, mongo, sqlserver, memcached, cookie, express-redis, express-postgres, express-file (or builtin-memory, builtin-redis).");
        }

        // One call plugs the chosen store into AddSession()/UseSession().
        services.AddStoreBackedSession(o =>
        {
            o.AbsoluteTimeout = settings.AbsoluteTimeout;
            o.TouchThreshold = settings.TouchThreshold;
            o.CommitBeforeResponse = settings.CommitBeforeResponse;
            o.Concurrency = settings.Concurrency ?? o.Concurrency;
            o.LeaseDuration = settings.LeaseDuration ?? o.LeaseDuration;
            o.WaitTimeout = settings.WaitTimeout ?? o.WaitTimeout;
            o.CommitTimeout = settings.CommitTimeout ?? o.CommitTimeout;
        });
    }

    // What every store shares: the deadline of each store call.
    internal static void Common(SessionStores.SessionStoreOptions options, DemoSettings settings) =>
        options.OperationTimeout = settings.OperationTimeout ?? options.OperationTimeout;

    // Sessions recently used stay in memory, invalidated by the store's feed (--near-cache false: every call goes to the
    // store, and the store announces nothing: the configuration the benchmarks compare against).
    private static void AddNearCache(IServiceCollection services, DemoSettings settings)
    {
        if (settings.NearCache)
        {
            services.AddSessionStoreNearCache(o => o.MaxBytes = 64L * 1024 * 1024);
        }
    }

    internal static string Required(DemoSettings settings) => settings.Connection
        ?? throw new InvalidOperationException($"--store {settings.Store} needs --connection \"<connection string>\".");

    internal static string DefaultFileDirectory() => Path.Combine(Path.GetTempPath(), "sessiondemo-sessions");
}
