using System.Threading.Tasks;
using MySqlConnector;
using SessionStores.MySql;

namespace SessionStores.Reliability.Harness;

public abstract partial class IsolatedStore
{
    // The MySQL store in a database of its own (MySQL's schema), created beside the shared server's database.
    private sealed class MySqlIsolated(MySqlDataSource dataSource, MySqlSessionStore store, string database) : SqlIsolated(dataSource, store, database)
    {
        protected override string TablesSql =>
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' " +
            "AND table_schema NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')";

        protected override string DropSql => $"DROP DATABASE {Quote(Space)}";

        // The ids of the rows of the store's tables (sessions, leases) and of the decoy whose columns contain the marker.
        protected override string RowsContainingSql =>
            $"SELECT id FROM {Quote(Space)}.sessions WHERE INSTR(CONCAT_WS(' ', id, data, subject), @marker) > 0 " +
            $"UNION ALL SELECT id FROM {Quote(Space)}.sessions_leases WHERE INSTR(CONCAT_WS(' ', id, owner), @marker) > 0 " +
            $"UNION ALL SELECT id FROM {Quote(Space)}.sessions_decoy WHERE INSTR(id, @marker) > 0";

        protected override string MarkerParameter => "@marker";

        public static async Task<MySqlIsolated> CreateAsync(string connection)
        {
            var database = NewSpace();
            await using (var server = new MySqlDataSource(connection))
            await using (var create = server.CreateCommand($"CREATE DATABASE `{database}`"))
            {
                await create.ExecuteNonQueryAsync();
            }

            var dataSource = new MySqlDataSource(new MySqlConnectionStringBuilder(connection) { Database = database }.ConnectionString);
            var store = new MySqlSessionStore(new MySqlSessionStoreOptions
            {
                DataSource = dataSource, TableName = "sessions", EnablePruning = false, MaxDataBytes = MaxDataBytes,
            });
            return await ReadyAsync(new MySqlIsolated(dataSource, store, database), store.EnsureSchemaAsync);
        }

        protected override string Quote(string name) => $"`{name}`";
    }
}
