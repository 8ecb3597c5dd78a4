using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using SessionStores.AspNetCore.Internal;
using SessionStores.ExpressCompat;
using SessionStores.File;
using SessionStores.Postgres;
using SessionStores.Redis;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Admin.Tests;

/// <summary>
/// <c>convert-express</c> end to end: sessions written in each express-session format by its profile (byte-compatible
/// with the npm stores, proven in Stores.ExpressCompat.Tests) into the real backend, converted by the tool, then read
/// from the native store and decoded by the ASP.NET Core integration's own payload reader.
/// </summary>
public sealed class ConvertExpressTests : ToolTestResources
{
    private const int Hundreds = 300;
    private const string PostgresSchema = "sessionstores_admin";

    [Fact]
    public async Task Redis_sessions_keep_id_values_and_lifetime_and_a_rerun_keeps_the_native_ones()
    {
        var redis = (await RedisTestServer.ResolveAsync()).EnsureAvailable();
        var expressPrefix = "sess" + Unique() + ":";
        var nativePrefix = "native" + Unique() + ":";
        var express = Own(new ExpressRedisSessionStore(new ExpressRedisSessionStoreOptions { ConnectionString = redis, KeyPrefix = expressPrefix, OperationTimeout = OperationTimeout }));
        var native = Own(new RedisSessionStore(new RedisSessionStoreOptions { ConnectionString = redis, KeyPrefix = nativePrefix, OperationTimeout = OperationTimeout }));
        var written = await WriteExpressSessionsAsync(express, Hundreds);
        string[] args = ["--store", "redis", "--connection", redis, "--prefix", nativePrefix, "--timeout", TimeoutSeconds, "--json",
            "convert-express", "--from", "redis", "--from-connection", redis, "--from-prefix", expressPrefix];

        // A session already native under one of the ids (a user who came back on the new app) is newer: it stays.
        var newer = written[7];
        await native.SetAsync(Native(newer), new SessionWrite(SessionPayload.Encode(0, new() { ["user"] = "\"newer\""u8.ToArray() }), TimeSpan.FromHours(2)), TestContext.Current.CancellationToken);

        var dry = (await AdminRun.InProcessAsync([.. args, "--dry-run"])).Json();
        Assert.Equal(Hundreds, dry.GetProperty("converted").GetInt64());
        Assert.Null(await native.GetAsync(Native(written[0]), TestContext.Current.CancellationToken));

        var first = (await AdminRun.InProcessAsync([.. args, "--yes"])).Json();
        Assert.Equal(Hundreds - 1, first.GetProperty("converted").GetInt64());
        Assert.Equal(1, first.GetProperty("alreadyNative").GetInt64());
        await AssertConvertedAsync(native, written.Where(s => s != newer));
        Assert.Equal("\"newer\"", Values(newer.Id, (await native.GetAsync(Native(newer), TestContext.Current.CancellationToken))!)["user"]);

        var again = (await AdminRun.InProcessAsync([.. args, "--yes"])).Json();
        Assert.Equal(0, again.GetProperty("converted").GetInt64());
        Assert.Equal(Hundreds, again.GetProperty("alreadyNative").GetInt64());
        Assert.Equal(Hundreds, await native.CountAsync(SessionQuery.All, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Postgres_sessions_are_converted_and_expired_rows_are_skipped()
    {
        var connection = (await PostgresTestServer.ResolveAsync()).EnsureAvailable();
        var expressTable = "session" + Unique();
        var nativeTable = "t" + Unique();
        var express = Own(new ExpressPostgresSessionStore(new ExpressPostgresSessionStoreOptions
        {
            ConnectionString = connection, SchemaName = PostgresSchema, TableName = expressTable, CreateSchemaIfMissing = true, OperationTimeout = OperationTimeout,
        }));
        var native = Own(new PostgresSessionStore(new PostgresSessionStoreOptions
        {
            ConnectionString = connection, SchemaName = PostgresSchema, TableName = nativeTable, EnablePruning = false, OperationTimeout = OperationTimeout,
        }));
        await native.EnsureSchemaAsync(TestContext.Current.CancellationToken);
        var written = await WriteExpressSessionsAsync(express, Hundreds);
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(connection))
        {
            // A row connect-pg-simple's pruning has not removed yet.
            await using var command = dataSource.CreateCommand($"UPDATE \"{PostgresSchema}\".\"{expressTable}\" SET expire = now() - interval '1 minute' WHERE sid = $1");
            command.Parameters.AddWithValue(written[0].Id);
            Assert.Equal(1, await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
        }

        var result = (await AdminRun.InProcessAsync([
            "--store", "postgres", "--connection", connection, "--schema", PostgresSchema, "--table", nativeTable, "--timeout", TimeoutSeconds, "--json", "--yes",
            "convert-express", "--from", "postgres", "--from-connection", connection, "--from-schema", PostgresSchema, "--from-table", expressTable])).Json();

        Assert.Equal(Hundreds - 1, result.GetProperty("converted").GetInt64());
        Assert.Equal(1, result.GetProperty("expired").GetInt64());
        await AssertConvertedAsync(native, written.Skip(1));
        Assert.Null(await native.GetAsync(Native(written[0]), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task File_sessions_are_converted_and_an_unreadable_one_is_reported_with_exit_code_6()
    {
        var expressDirectory = NewDirectory();
        var nativeDirectory = NewDirectory();
        var express = new ExpressFileSessionStore(new ExpressFileSessionStoreOptions { Path = expressDirectory, OperationTimeout = OperationTimeout });
        var native = Own(new FileSessionStore(new FileSessionStoreOptions { Directory = nativeDirectory, FlushToDisk = false, OperationTimeout = OperationTimeout }));
        var written = await WriteExpressSessionsAsync(express, Hundreds);
        var broken = NewExpressId();
        await System.IO.File.WriteAllTextAsync(Path.Combine(expressDirectory, broken + ".json"), "{ not json", TestContext.Current.CancellationToken);
        string[] args = ["--store", "file", "--directory", nativeDirectory, "--timeout", TimeoutSeconds,
            "convert-express", "--from", "file", "--from-connection", expressDirectory];

        var refused = await AdminRun.InProcessAsync(args);
        Assert.Equal(4, refused.ExitCode);

        var result = await AdminRun.InProcessAsync([.. args, "--yes"]);

        Assert.Equal(6, result.ExitCode);
        Assert.Contains($"session {SessionValidation.Tag(broken)} not converted", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(broken, result.Error, StringComparison.Ordinal);
        Assert.Contains($"Converted {Hundreds}", result.Output, StringComparison.Ordinal);
        await AssertConvertedAsync(native, written);
    }

    [Fact]
    public async Task An_unreachable_express_store_is_a_store_failure_and_nothing_is_written()
    {
        var target = NewDirectory();
        var unreachable = $"127.0.0.1:{LoopbackPorts.Free()},connectTimeout=500,connectRetry=0,abortConnect=false";

        var result = await AdminRun.InProcessAsync(["--store", "file", "--directory", target, "--yes", "convert-express", "--from", "redis", "--from-connection", unreachable]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("store failure", result.Error, StringComparison.Ordinal);
        var native = Own(new FileSessionStore(new FileSessionStoreOptions { Directory = target, FlushToDisk = false, OperationTimeout = OperationTimeout }));
        Assert.Equal(0, await native.CountAsync(SessionQuery.All, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Options_of_another_profile_are_bad_usage_before_any_io()
    {
        var result = await AdminRun.InProcessAsync([
            "--store", "file", "--directory", NewDirectory(), "convert-express", "--from", "file", "--from-connection", NewDirectory(), "--from-prefix", "sess:"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--from redis only", result.Error, StringComparison.Ordinal);
    }

    private sealed record ExpressSession(string Id, DateTimeOffset Expires, string User, string Greeting);

    /// <summary>Sessions as express-session stores them after <c>req.session.user = {...}; req.session.greeting = '...'</c>.</summary>
    private static async Task<List<ExpressSession>> WriteExpressSessionsAsync(ExpressSessionFormatStore store, int count)
    {
        var expires = DateTimeOffset.UtcNow.AddMinutes(50);
        var sessions = Enumerable.Range(0, count)
            .Select(i => new ExpressSession(NewExpressId(), expires.AddSeconds(i), $"{{\"name\":\"ana {i}\",\"roles\":[\"admin\"],\"n\":{i}}}", $"\"héllo ✓ {i}\""))
            .ToList();
        await Parallel.ForEachAsync(sessions, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = TestContext.Current.CancellationToken }, async (s, ct) =>
        {
            var json = string.Create(CultureInfo.InvariantCulture,
                $"{{\"cookie\":{{\"originalMaxAge\":{(long)(s.Expires - DateTimeOffset.UtcNow).TotalMilliseconds},\"expires\":\"{s.Expires.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}\",\"httpOnly\":true,\"path\":\"/\"}},\"user\":{s.User},\"greeting\":{s.Greeting}}}");
            await store.SetAsync(s.Id, new SessionWrite(Encoding.UTF8.GetBytes(json), s.Expires - DateTimeOffset.UtcNow), ct);
        });
        return sessions;
    }

    private static async Task AssertConvertedAsync(ISessionStore native, IEnumerable<ExpressSession> expected)
    {
        foreach (var session in expected)
        {
            var record = await native.GetAsync(Native(session), TestContext.Current.CancellationToken);
            Assert.NotNull(record);
            var values = Values(session.Id, record);
            Assert.Equal(["greeting", "user"], values.Keys.Order());
            Assert.Equal(session.User, values["user"]);
            Assert.Equal(session.Greeting, values["greeting"]);

            // The remaining lifetime is kept, not replaced by a default (a day, or the maximum): the npm stores round it up
            // to whole seconds, and PostgreSQL's clock counts it, so a few seconds over Express's own are allowed.
            Assert.InRange(record.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(30), session.Expires.AddSeconds(5));
        }
    }

    /// <summary>The key the session is stored under natively: a GUID string, the only kind the session middleware reads.</summary>
    private static string Native(ExpressSession session)
    {
        var key = ExpressSessionConversion.AspNetCoreSessionKey(session.Id);
        Assert.True(Guid.TryParseExact(key, "D", out _), key);
        return key;
    }

    private static Dictionary<string, string> Values(string id, SessionRecord record) =>
        SessionPayload.Decode(id, record.Data.Span, out _).ToDictionary(v => v.Key, v => Encoding.UTF8.GetString(v.Value));

    /// <summary>An id as express-session makes them: 24 random bytes in base64url.</summary>
    private static string NewExpressId() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');

    private static string Unique() => Guid.NewGuid().ToString("N")[..12];

    private string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "sessionstores-convert-" + Unique());
        Directory.CreateDirectory(directory);
        Own(new TemporaryDirectory(directory));
        return directory;
    }
}
