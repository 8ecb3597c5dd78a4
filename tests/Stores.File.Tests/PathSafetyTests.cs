using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using SessionStores.File.Internal;
using Xunit;

namespace SessionStores.File.Tests;

/// <summary>No valid id names a path outside the store's directory, a special name, or another id's file.</summary>
public sealed class PathSafetyTests : IDisposable
{
    private readonly string _parent = Path.Combine(Path.GetTempPath(), "sessionstores-file-paths", Guid.NewGuid().ToString("N")[..12]);

    /// <summary>Every dangerous shape a valid id can take: dots, device names, tildes, case twins, maximum length.</summary>
    public static TheoryData<string> DangerousIds { get; } =
    [
        ".", "..", "...", "....", "..-..", ".-.", "~", "~root", "..~", "-", "-rf", "CON", "con", "NUL", "nul.txt", "COM1", "LPT1", "AUX", "PRN",
        "a.session", "s-x", "h-x", "sX", "PROGRA~1", "ab~1", "A", "a", new string('.', 256), new string('A', 256), new string('z', 256),
        "sessions", "locks", "tmp", "subjects",
    ];

    [Theory]
    [MemberData(nameof(DangerousIds))]
    public async Task A_dangerous_id_round_trips_and_its_file_stays_inside_the_sessions_directory(string id)
    {
        var root = Path.Combine(_parent, "store");
        await using var store = new FileSessionStore(new FileSessionStoreOptions { Directory = root });

        Assert.True((await store.SetAsync(id, new SessionWrite(new byte[] { 7 }, TimeSpan.FromMinutes(5), "someone"), TestContext.Current.CancellationToken)).Succeeded);

        Assert.Equal(new byte[] { 7 }, (await store.GetAsync(id, TestContext.Current.CancellationToken))!.Data.ToArray());
        Assert.Equal(id, Assert.Single(await ListAsync(store)).Id);
        var sessionFiles = Directory.GetFiles(Path.Combine(root, "sessions"));
        var file = Assert.Single(sessionFiles);
        Assert.Equal(Path.Combine(root, "sessions"), Path.GetDirectoryName(Path.GetFullPath(file)));
        Assert.Equal(["store"], Directory.GetFileSystemEntries(_parent).Select(Path.GetFileName));
        Assert.True(await store.DestroyAsync(id, TestContext.Current.CancellationToken));
        Assert.Empty(Directory.GetFiles(Path.Combine(root, "sessions")));
    }

    [Theory]
    [MemberData(nameof(DangerousIds))]
    public void A_file_name_is_plain_portable_and_maps_back_to_its_id(string id)
    {
        var name = SessionFileNames.ForId(id);

        Assert.True(name.Length <= 210, $"{name.Length} characters is too long for common file systems");
        Assert.Equal(name, Path.GetFileName(name));
        Assert.DoesNotContain(name, c => c is '/' or '\\' or ':' || char.IsAsciiLetterUpper(c));
        Assert.EndsWith(SessionFileNames.Suffix, name, StringComparison.Ordinal);
        Assert.True(name.StartsWith("s_", StringComparison.Ordinal) || name.StartsWith("h_", StringComparison.Ordinal));
        Assert.True(SessionFileNames.IsSessionFile(name));
        if (name.StartsWith("s_", StringComparison.Ordinal))
        {
            Assert.Equal(id, SessionFileNames.TryGetId(name));
        }
    }

    [Fact]
    public async Task Ids_that_differ_only_in_case_are_different_sessions_with_names_that_differ_in_more_than_case()
    {
        var root = Path.Combine(_parent, "store");
        await using var store = new FileSessionStore(new FileSessionStoreOptions { Directory = root });
        string[] twins = ["abc", "ABC", "aBc", "Abc"];

        foreach (var id in twins)
        {
            await store.SetAsync(id, new SessionWrite(System.Text.Encoding.ASCII.GetBytes(id), TimeSpan.FromMinutes(5)), TestContext.Current.CancellationToken);
        }

        foreach (var id in twins)
        {
            Assert.Equal(id, System.Text.Encoding.ASCII.GetString((await store.GetAsync(id, TestContext.Current.CancellationToken))!.Data.Span));
        }

        // Distinct even where the file system ignores case (Windows, macOS).
        Assert.Equal(twins.Length, twins.Select(SessionFileNames.ForId).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(twins.Length, await store.CountAsync(SessionQuery.All, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Long_ids_get_distinct_hashed_names()
    {
        var a = new string('A', 150) + "x";
        var b = new string('A', 150) + "X";

        Assert.StartsWith("h_", SessionFileNames.ForId(a), StringComparison.Ordinal);
        Assert.NotEqual(SessionFileNames.ForId(a), SessionFileNames.ForId(b), StringComparer.OrdinalIgnoreCase);
        Assert.Null(SessionFileNames.TryGetId(SessionFileNames.ForId(a)));
    }

    [Fact]
    public async Task Files_that_are_not_sessions_are_ignored_by_listing_and_pruning()
    {
        var root = Path.Combine(_parent, "store");
        await using var store = new FileSessionStore(new FileSessionStoreOptions { Directory = root });
        await System.IO.File.WriteAllTextAsync(Path.Combine(root, "sessions", "README.txt"), "not a session", TestContext.Current.CancellationToken);
        await System.IO.File.WriteAllTextAsync(Path.Combine(root, "sessions", "x.session"), "wrong prefix", TestContext.Current.CancellationToken);

        Assert.Empty(await ListAsync(store));
        Assert.Equal(0, await store.DestroyManyAsync(SessionQuery.All, TestContext.Current.CancellationToken));
        await store.PruneAsync(TestContext.Current.CancellationToken);
        Assert.True(System.IO.File.Exists(Path.Combine(root, "sessions", "README.txt")));
    }

    public void Dispose()
    {
        if (Directory.Exists(_parent))
        {
            Directory.Delete(_parent, recursive: true);
        }
    }

    private static async Task<SessionInfo[]> ListAsync(ISessionStore store)
    {
        var list = new System.Collections.Generic.List<SessionInfo>();
        await foreach (var info in store.ListAsync(SessionQuery.All, TestContext.Current.CancellationToken))
        {
            list.Add(info);
        }

        return [.. list];
    }
}
