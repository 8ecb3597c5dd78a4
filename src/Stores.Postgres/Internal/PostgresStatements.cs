using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace SessionStores.Postgres.Internal;

/// <summary>
/// Runs the store's single-session statements: each on a connection taken from the data source for that one batch,
/// prepared unless preparation is off, and, for writes at <see cref="PostgresDurability.Relaxed"/>, behind
/// <c>set_config('synchronous_commit', 'off', true)</c> in the same batch.
/// </summary>
/// <remarks>
/// <para>Preparation is explicit, so it works on a data source the application gives as well as on one the store builds,
/// whatever its <c>Max Auto Prepare</c>. Npgsql keeps a prepared statement on its physical connection across pool
/// returns, and preparing a statement that connection already has is answered from memory: the first use of each
/// statement on each physical connection costs one extra round trip (Parse/Describe), every later use none and skips
/// the server's parsing and planning.</para>
/// <para>Relaxed durability: a batch is one implicit transaction (one Sync), and <c>set_config(…, true)</c> is local to
/// it, so the setting holds for that batch's commit only and is gone when the connection returns to the pool: the
/// application's other work on the same data source keeps its own setting. (Unlike <c>SET LOCAL</c>, <c>set_config</c>
/// raises no "outside a transaction block" warning in an implicit transaction.)</para>
/// </remarks>
internal sealed class PostgresStatements(NpgsqlDataSource dataSource, bool prepare, PostgresDurability durability)
{
    private const string RelaxCommit = "SELECT set_config('synchronous_commit', 'off', true)";

    private readonly bool _relaxed = durability == PostgresDurability.Relaxed;

    /// <summary>Whether statements can be prepared explicitly on <paramref name="dataSource"/>'s connections: not with
    /// Npgsql's multiplexing, which refuses explicit preparation (its own <c>Max Auto Prepare</c> still applies).</summary>
    public static bool CanPrepare(NpgsqlDataSource dataSource) =>
        !new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Multiplexing;

    /// <summary>Runs the statements <paramref name="build"/> adds and reads their results with <paramref name="read"/>.</summary>
    /// <param name="writes">Whether the statements write (only writes commit anything, so only they are relaxed).</param>
    /// <param name="state">What <paramref name="build"/> and <paramref name="read"/> need, so that they can be static.</param>
    /// <param name="build">Adds the statements, with their parameters.</param>
    /// <param name="read">Reads the first statement's result, and the others' when it moves on.</param>
    /// <param name="cancellationToken">Cancels opening, preparing and running.</param>
    public async Task<TResult> RunAsync<TState, TResult>(
        bool writes,
        TState state,
        Action<NpgsqlBatchCommandCollection, TState> build,
        Func<NpgsqlDataReader, TState, CancellationToken, Task<TResult>> read,
        CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var batch = new NpgsqlBatch(connection);
        await using var batchScope = batch.ConfigureAwait(false);
        var relax = writes && _relaxed;
        if (relax)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(RelaxCommit));
        }

        build(batch.BatchCommands, state);
        if (prepare)
        {
            await batch.PrepareAsync(cancellationToken).ConfigureAwait(false);
        }

        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        if (relax)
        {
            // Past set_config's own result, to the first statement's.
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        }

        return await read(reader, state, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs one statement and returns the first column of its first row, or <see langword="null"/> without rows.</summary>
    public Task<object?> ScalarAsync<TState>(bool writes, TState state, Action<NpgsqlBatchCommandCollection, TState> build, CancellationToken cancellationToken) =>
        RunAsync(writes, state, build, static async (reader, _, ct) => await reader.ReadAsync(ct).ConfigureAwait(false) ? reader.GetValue(0) : null, cancellationToken);
}
