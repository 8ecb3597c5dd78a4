using System;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SessionDemo;
using SessionStores.Postgres;
using Xunit;

namespace SessionStores.AspNetCore.Tests;

/// <summary>The sample's <c>--postgres-durability</c> flag, which benchmarks/e2e uses for its relaxed-durability variant.</summary>
public sealed class SampleSettingsTests
{
    private const string Connection = "Host=127.0.0.1;Port=1;Username=postgres;Database=postgres";

    [Theory]
    [InlineData(null, PostgresDurability.Full)]
    [InlineData("relaxed", PostgresDurability.Relaxed)]
    [InlineData("Full", PostgresDurability.Full)]
    public async Task The_postgres_durability_flag_sets_the_store_option(string? flag, PostgresDurability expected)
    {
        string[] args = flag is null
            ? ["--store", "postgres", "--connection", Connection]
            : ["--store", "postgres", "--connection", Connection, "--postgres-durability", flag];
        await using var app = DemoApp.Build(args);

        var options = app.Services.GetRequiredService<IOptions<PostgresSessionStoreOptions>>().Value;

        Assert.Equal(expected, options.Durability);
    }

    [Fact]
    public void An_unknown_durability_is_refused_at_start()
    {
        var error = Assert.Throws<ArgumentException>(() => DemoApp.Build(["--store", "postgres", "--connection", Connection, "--postgres-durability", "fast"]));

        Assert.Contains("fast", error.Message, StringComparison.Ordinal);
    }
}
