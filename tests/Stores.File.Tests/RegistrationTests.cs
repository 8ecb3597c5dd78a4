using System;
using System.IO;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace SessionStores.File.Tests;

public sealed class RegistrationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sessionstores-file-di", Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public void AddFileSessionStore_registers_one_singleton_store_over_the_directory()
    {
        using var provider = new ServiceCollection().AddMemorySessionStore().AddFileSessionStore(_directory).BuildServiceProvider();

        var store = Assert.IsType<FileSessionStore>(provider.GetRequiredService<ISessionStore>());

        Assert.Same(store, provider.GetRequiredService<FileSessionStore>());
        Assert.Equal(Path.GetFullPath(_directory), store.RootDirectory);
        Assert.True(Directory.Exists(Path.Combine(_directory, "sessions")));
    }

    [Fact]
    public void Missing_directory_fails_validation_at_start()
    {
        using var provider = new ServiceCollection().AddFileSessionStore(o => o.ReapBatchSize = 5).BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Directory", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_constructor_names_the_invalid_option()
    {
        var ex = Assert.Throws<ArgumentException>(() => new FileSessionStore(new FileSessionStoreOptions { Directory = _directory, ReapBatchSize = 0 }));

        Assert.Contains("ReapBatchSize", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => new FileSessionStore(new FileSessionStoreOptions { Directory = _directory, ReapInterval = TimeSpan.FromDays(60) }));
        Assert.Contains("ReapInterval", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
