using System;
using Microsoft.Extensions.Configuration;
using SessionStores.AspNetCore;

namespace SessionDemo;

/// <summary>The demo's command-line settings.</summary>
public sealed class DemoSettings
{
    /// <summary><c>--store</c>: memory, file (default), redis, postgres, mysql, mongo, sqlserver, memcached, cookie; an Express
    /// app's sessions in express-redis (connect-redis), express-postgres (connect-pg-simple) or express-file
    /// (session-file-store), with <c>--express-secret</c>; or, for the benchmark,
    /// builtin-memory and builtin-redis (ASP.NET Core's own session over a distributed cache).</summary>
    public string Store { get; init; } = "file";

    /// <summary><c>--connection</c>: the store's connection string (the directory for <c>file</c>).</summary>
    public string? Connection { get; init; }

    /// <summary><c>--idle-minutes</c>: the session idle timeout. Default 20.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary><c>--absolute-seconds</c>: the absolute lifetime. Default 12 hours.</summary>
    public TimeSpan AbsoluteTimeout { get; init; } = TimeSpan.FromHours(12);

    /// <summary><c>--touch-threshold-seconds</c>: slide the idle expiry only when less than the idle timeout minus this
    /// is left (a read-only request then usually costs one plain read). Default: none, every request slides it.</summary>
    public TimeSpan? TouchThreshold { get; init; }

    /// <summary><c>--postgres-durability full|relaxed</c>: <see cref="SessionStores.Postgres.PostgresSessionStoreOptions.Durability"/>
    /// (relaxed: the store's writes do not wait for their WAL flush). Default: the store's (full).</summary>
    public SessionStores.Postgres.PostgresDurability? PostgresDurability { get; init; }

    /// <summary><c>--file-flush-to-disk false</c>: <see cref="SessionStores.File.FileSessionStoreOptions.FlushToDisk"/>
    /// (off: no fsync; a killed process still loses nothing, a power cut may). Default: the store's (true).</summary>
    public bool? FileFlushToDisk { get; init; }

    /// <summary><c>--file-reuse-files false</c>: <see cref="SessionStores.File.FileSessionStoreOptions.ReuseFiles"/>
    /// (off: every write creates a new file and frees the old one). Default: the store's (true).</summary>
    public bool? FileReuseFiles { get; init; }

    /// <summary><c>--commit-before-response false</c>: commit when the session middleware ends, as the built-in session
    /// does (a response may then reach the client before its session write is stored). Default: true.</summary>
    public bool CommitBeforeResponse { get; init; } = true;

    /// <summary><c>--admin-user</c>: the user allowed on <c>/admin</c>. Default <c>admin</c>.</summary>
    public string AdminUser { get; init; } = "admin";

    /// <summary><c>--bench-counters true</c>: count successful <c>GET /</c> responses per session cookie (benchmark check).</summary>
    public bool BenchCounters { get; init; }

    /// <summary><c>--session-concurrency serialized|optimistic|exclusive</c>: how requests of one session are coordinated
    /// (<see cref="StoreBackedSessionOptions.Concurrency"/>). Default: the library's (serialized).</summary>
    public SessionConcurrency? Concurrency { get; init; }

    /// <summary><c>--operation-timeout-seconds</c>: the store's deadline per call (<c>SessionStoreOptions.OperationTimeout</c>).
    /// Default: the store's (5 s).</summary>
    public TimeSpan? OperationTimeout { get; init; }

    /// <summary><c>--lease-seconds</c>: <see cref="StoreBackedSessionOptions.LeaseDuration"/> under exclusive. Default: the library's.</summary>
    public TimeSpan? LeaseDuration { get; init; }

    /// <summary><c>--wait-timeout-seconds</c>: <see cref="StoreBackedSessionOptions.WaitTimeout"/>. Default: the library's.</summary>
    public TimeSpan? WaitTimeout { get; init; }

    /// <summary><c>--commit-timeout-seconds</c>: <see cref="StoreBackedSessionOptions.CommitTimeout"/>. Default: the library's.</summary>
    public TimeSpan? CommitTimeout { get; init; }

    /// <summary><c>--near-cache false</c>: no near cache in front of the Redis or PostgreSQL store (and no announcements
    /// from it), for benchmarks. Default: true (<c>AddSessionStoreNearCache</c>).</summary>
    public bool NearCache { get; init; } = true;

    /// <summary><c>--express-secret</c>: the Express app's express-session <c>secret</c>; several, comma-separated, when it
    /// rotates them (the first signs, all verify). Required by the <c>express-*</c> stores.</summary>
    public string? ExpressSecret { get; init; }

    /// <summary><c>--express-max-age-seconds</c>: the Express app's <c>cookie.maxAge</c>. Default: none (a browser-session
    /// cookie, as express-session's default).</summary>
    public TimeSpan? ExpressMaxAge { get; init; }

    /// <summary><c>--express-prefix</c>: the Express app's connect-redis <c>prefix</c>. Default: connect-redis's (<c>sess:</c>).</summary>
    public string? ExpressPrefix { get; init; }

    /// <summary><c>--express-table</c>: the Express app's connect-pg-simple <c>tableName</c>. Default: its (<c>session</c>).</summary>
    public string? ExpressTable { get; init; }

    /// <summary>Whether the sessions are an Express app's (<c>--store express-redis|express-postgres|express-file</c>): JSON
    /// values, express-session's cookie, no listing and no subjects.</summary>
    public bool IsExpress => Store.StartsWith("express-", StringComparison.Ordinal);

    /// <summary>Whether sessions live in the browsers' cookies (<c>--store cookie</c>): nothing to list or destroy on the
    /// server; the admin page offers only "sign out everywhere" (revocation).</summary>
    public bool IsCookie => Store == "cookie";

    /// <summary>Whether the store is ASP.NET Core's built-in session (no admin features).</summary>
    public bool IsBuiltIn => Store.StartsWith("builtin-", StringComparison.Ordinal);

    /// <summary>Whether the store can list sessions (the admin page): not the built-in session, not Memcached, not an
    /// Express app's store.</summary>
    public bool CanList => !IsBuiltIn && !IsExpress && Store != "memcached";

    /// <summary>Reads the settings.</summary>
    /// <param name="configuration">The configuration (command line included).</param>
    /// <returns>The settings.</returns>
    public static DemoSettings From(IConfiguration configuration) => new()
    {
        Store = (configuration["store"] ?? "file").ToLowerInvariant(),
        Connection = configuration["connection"],
        IdleTimeout = TimeSpan.FromMinutes(configuration.GetValue("idle-minutes", 20.0)),
        AbsoluteTimeout = TimeSpan.FromSeconds(configuration.GetValue("absolute-seconds", 12 * 3600.0)),
        TouchThreshold = configuration.GetValue<double?>("touch-threshold-seconds") is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
        PostgresDurability = Choice<SessionStores.Postgres.PostgresDurability>(configuration, "postgres-durability"),
        FileFlushToDisk = configuration.GetValue<bool?>("file-flush-to-disk"),
        FileReuseFiles = configuration.GetValue<bool?>("file-reuse-files"),
        CommitBeforeResponse = configuration.GetValue("commit-before-response", true),
        AdminUser = configuration["admin-user"] ?? "admin",
        BenchCounters = configuration.GetValue("bench-counters", false),
        Concurrency = Choice<SessionConcurrency>(configuration, "session-concurrency"),
        OperationTimeout = Seconds(configuration, "operation-timeout-seconds"),
        LeaseDuration = Seconds(configuration, "lease-seconds"),
        WaitTimeout = Seconds(configuration, "wait-timeout-seconds"),
        CommitTimeout = Seconds(configuration, "commit-timeout-seconds"),
        NearCache = configuration.GetValue("near-cache", true),
        ExpressSecret = configuration["express-secret"],
        ExpressMaxAge = Seconds(configuration, "express-max-age-seconds"),
        ExpressPrefix = configuration["express-prefix"],
        ExpressTable = configuration["express-table"],
    };

    private static TimeSpan? Seconds(IConfiguration configuration, string key) =>
        configuration.GetValue<double?>(key) is { } seconds ? TimeSpan.FromSeconds(seconds) : null;

    private static T? Choice<T>(IConfiguration configuration, string key)
        where T : struct, Enum =>
        configuration[key] is { Length: > 0 } name ? Enum.Parse<T>(name, ignoreCase: true) : null;
}
