using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.Reliability.Harness;

public abstract partial class IsolatedStore
{
    /// <summary>
    /// A SQL store in a namespace of its own (a PostgreSQL schema, a MySQL database) holding the store's table
    /// <c>sessions</c> and a decoy table <c>sessions_decoy</c> beside it. Outside is every other table of the server with
    /// its row count; the variants say how to list tables, quote names, search rows and drop the namespace.
    /// </summary>
    private abstract class SqlIsolated(DbDataSource dataSource, ISessionStore store, string space) : IsolatedStore
    {
        public override ISessionStore Store => store;

        /// <summary>The namespace: the schema or database holding the store's table and the decoy.</summary>
        protected string Space => space;

        /// <summary>A query of (namespace, table) rows: every user table of the server.</summary>
        protected abstract string TablesSql { get; }

        /// <summary>The statement that removes the namespace and all its tables.</summary>
        protected abstract string DropSql { get; }

        /// <summary>A query whose rows (one text column) are the rows of the namespace's tables that contain the marker,
        /// given as the parameter <see cref="MarkerParameter"/>.</summary>
        protected abstract string RowsContainingSql { get; }

        /// <summary>The marker parameter's name in <see cref="RowsContainingSql"/> (empty for a positional one).</summary>
        protected abstract string MarkerParameter { get; }

        // Every table of the server but the store's, with its row count.
        public override async Task<IReadOnlySet<string>> OutsideAsync()
        {
            var outside = new HashSet<string>();
            foreach (var (tableSpace, table) in await TablesAsync())
            {
                if (tableSpace == space && table == "sessions")
                {
                    continue;
                }

                await using var count = dataSource.CreateCommand($"SELECT count(*) FROM {Quote(tableSpace)}.{Quote(table)}");
                outside.Add($"{tableSpace}.{table} {await count.ExecuteScalarAsync()}");
            }

            return outside;
        }

        // Table names, and rows of the namespace's tables, that contain the marker.
        public override async Task<IReadOnlyList<string>> FindAsync(string marker)
        {
            var found = (await TablesAsync()).Select(t => $"{t.Space}.{t.Table}").Where(n => n.Contains(marker, StringComparison.OrdinalIgnoreCase)).ToList();
            await using var rows = dataSource.CreateCommand(RowsContainingSql);
            var parameter = rows.CreateParameter();
            parameter.ParameterName = MarkerParameter;
            parameter.Value = marker;
            rows.Parameters.Add(parameter);
            await using var reader = await rows.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                found.Add(reader.GetString(0));
            }

            return found;
        }

        public override async ValueTask DisposeAsync()
        {
            await ((IAsyncDisposable)store).DisposeAsync();
            await ExecuteAsync(DropSql);
            await dataSource.DisposeAsync();
        }

        /// <summary>A name quoted for a statement.</summary>
        protected abstract string Quote(string name);

        /// <summary>A fresh namespace name.</summary>
        protected static string NewSpace() => "rel_bad_" + Guid.NewGuid().ToString("N");

        /// <summary>Creates the store's table (<paramref name="ensureSchema"/>) and places the decoy table, with one row,
        /// in the namespace beside it.</summary>
        protected static async Task<T> ReadyAsync<T>(T isolated, Func<CancellationToken, Task> ensureSchema)
            where T : SqlIsolated
        {
            await ensureSchema(Load.Token);
            var space = isolated.Quote(isolated.Space);
            await isolated.ExecuteAsync($"CREATE TABLE {space}.sessions_decoy (id text); INSERT INTO {space}.sessions_decoy VALUES ('decoy');");
            return isolated;
        }

        private async Task ExecuteAsync(string sql)
        {
            await using var command = dataSource.CreateCommand(sql);
            await command.ExecuteNonQueryAsync();
        }

        private async Task<List<(string Space, string Table)>> TablesAsync()
        {
            await using var command = dataSource.CreateCommand(TablesSql);
            await using var reader = await command.ExecuteReaderAsync();
            var tables = new List<(string, string)>();
            while (await reader.ReadAsync())
            {
                tables.Add((reader.GetString(0), reader.GetString(1)));
            }

            return tables;
        }
    }
}
