using System;
using System.Threading.Tasks;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Admin.Tests;

/// <summary>
/// MongoDB and SQL Server have no server in this project's test run, but their factories still map the options and the
/// failure: against a port nothing listens on, the tool reports the store failure with exit code 3.
/// </summary>
public sealed class UnreachableBackendTests
{
    [Theory]
    [InlineData("mongo", "mongodb://127.0.0.1:{0}/?serverSelectionTimeoutMS=1000&connectTimeoutMS=1000", "--collection")]
    [InlineData("sqlserver", "Server=127.0.0.1,{0};User Id=sa;Password=x;Connect Timeout=2;TrustServerCertificate=true", "--table")]
    public async Task An_unreachable_server_is_a_store_failure_with_exit_code_3(string backend, string connection, string namespaceOption)
    {
        var connectionString = string.Format(System.Globalization.CultureInfo.InvariantCulture, connection, LoopbackPorts.Free());

        var result = await AdminRun.InProcessAsync(["count", "--store", backend, "-c", connectionString, namespaceOption, "admin_sessions", "--timeout", "30"]);

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("store failure:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_namespace_option_of_another_backend_is_refused_before_any_connection()
    {
        var result = await AdminRun.InProcessAsync(["count", "--store", "mongo", "-c", "mongodb://127.0.0.1:1", "--prefix", "session:"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--prefix does not apply to the mongo store (its namespace options: --database, --collection)", result.Error, StringComparison.Ordinal);
    }
}
