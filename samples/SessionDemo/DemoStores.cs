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
                services.AddMemorySessionStore();
                break;
            case "file":
                // The default: no server needed; one file per session in a directory.
                services.AddFileSessionStore(settings.Connection ?? DefaultFileDirectory());
                break;
            case "redis":
                services.AddRedisSessionStore(o => o.ConnectionString = Required(settings));
                break;
            case "postgres":
                services.AddPostgresSessionStore(Required(settings));
                break;
            case "mongo":
                services.AddMongoSessionStore(o => o.ConnectionString = Required(settings));
                break;
            case "sqlserver":
                services.AddSqlServerSessionStore(o => o.ConnectionString = Required(settings));
                break;
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
                    $"Unknown --store '{settings.Store}': use memory, file, redis, postgres, mongo, sqlserver (or builtin-memory, builtin-redis).");
        }

        // One call plugs the chosen store into AddSession()/UseSession().
        services.AddStoreBackedSession(o =>
        {
            o.AbsoluteTimeout = settings.AbsoluteTimeout;
            o.TouchThreshold = settings.TouchThreshold;
            o.CommitBeforeResponse = settings.CommitBeforeResponse;
        });
    }

    private static string Required(DemoSettings settings) => settings.Connection
        ?? throw new InvalidOperationException($"--store {settings.Store} needs --connection \"<connection string>\".");

    internal static string DefaultFileDirectory() => Path.Combine(Path.GetTempPath(), "sessiondemo-sessions");
}
