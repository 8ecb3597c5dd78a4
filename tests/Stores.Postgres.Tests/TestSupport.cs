using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Npgsql;
using Xunit;

namespace SessionStores.Postgres.Tests;

/// <summary>Collects what a store logs, so tests can assert on background work that never throws.</summary>
public sealed class CapturingLogger : ILogger<PostgresSessionStore>
{
    public ConcurrentQueue<(EventId Id, LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((eventId, logLevel, formatter(state, exception), exception));
}

/// <summary>
/// Counts the statements Npgsql sends (its ActivitySource starts one activity per command or batch, that is per round
/// trip) whose SQL mentions a marker, so that parallel tests do not count each other's work.
/// </summary>
public sealed class StatementCounter : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<string> _statements = new();

    public StatementCounter(string marker)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("db.query.text") is string sql && sql.Contains(marker, StringComparison.Ordinal))
                {
                    _statements.Enqueue(sql);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<string> Statements => _statements.ToArray();

    public IReadOnlyList<string> Take()
    {
        var taken = new List<string>();
        while (_statements.TryDequeue(out var sql))
        {
            taken.Add(sql);
        }

        return taken;
    }

    public void Dispose() => _listener.Dispose();
}

internal static class Db
{
    public static string NewName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..16];

    public static async Task<T?> ScalarAsync<T>(string sql, params object[] parameters)
    {
        var dataSource = await PostgresFixture.DataSourceAsync();
        await using var command = dataSource.CreateCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        var value = await command.ExecuteScalarAsync();
        return value is DBNull or null ? default : (T)value;
    }

    public static async Task ExecuteAsync(string sql, params object[] parameters) => await ScalarAsync<object>(sql, parameters);

    public static IEnumerable<string> Lines(this IEnumerable<string> statements) => statements.Select(s => s.Split('\n')[0]);
}
