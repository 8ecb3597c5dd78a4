using System;
using System.IO;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace SessionStores.File.Tests;

/// <summary>The file store's own registration overload, <c>AddFileSessionStore(directory)</c>; the registration rules every
/// store keeps are <see cref="FileRegistrationTests"/>.</summary>
public sealed class DirectoryOverloadTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sessionstores-file-di", Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public void AddFileSessionStore_with_a_directory_registers_a_store_over_that_directory_and_creates_it()
    {
        using var provider = new ServiceCollection().AddFileSessionStore(_directory).BuildServiceProvider();

        var store = Assert.IsType<FileSessionStore>(provider.GetRequiredService<ISessionStore>());

        Assert.Equal(Path.GetFullPath(_directory), store.RootDirectory);
        Assert.True(Directory.Exists(Path.Combine(_directory, "sessions")));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
