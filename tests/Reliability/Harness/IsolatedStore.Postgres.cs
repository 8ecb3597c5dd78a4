using System;
using System.Threading.Tasks;
using Npgsql;
using SessionStores.Postgres;

namespace SessionStores.Reliability.Harness;

public abstract partial class IsolatedStore
{
    // The PostgreSQL store in a schema of its own.
    private sealed class PostgresIsolated(NpgsqlDataSource dataSource, PostgresSessionStore store, string schema) : SqlIsolated(dataSource, store, schema)
    {
        protected override string TablesSql =>
            "SELECT schemaname, tablename FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')";

        protected override string DropSql => $"DROP SCHEMA {Quote(Space)} CASCADE";

        // Whole rows as text, of the store's table and of the decoy.
        protected override string RowsContainingSql =>
            $"SELECT t::text FROM {Quote(Space)}.sessions t WHERE t::text LIKE '%' || $1 || '%' UNION ALL SELECT d::text FROM {Quote(Space)}.sessions_decoy d WHERE d::text LIKE '%' || $1 || '%'";

        protected override string MarkerParameter => string.Empty;

        public static async Task<PostgresIsolated> CreateAsync(string connection)
        {
            var dataSource = NpgsqlDataSource.Create(connection);
            var schema = NewSpace();
            var store = new PostgresSessionStore(new PostgresSessionStoreOptions
            {
                DataSource = dataSource, SchemaName = schema, TableName = "sessions", EnablePruning = false, MaxDataBytes = MaxDataBytes,
            });
            return await ReadyAsync(new PostgresIsolated(dataSource, store, schema), store.EnsureSchemaAsync);
        }

        protected override string Quote(string name) => $"\"{name}\"";
    }
}
